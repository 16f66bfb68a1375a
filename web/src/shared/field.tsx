import type { InputHTMLAttributes } from 'preact';
import { useId } from 'preact/hooks';

interface InputProps {
  type?: 'text' | 'number' | 'datetime-local';
  defaultValue?: string;
  min?: number;
  step?: number | 'any';
  required?: boolean;
}

/** A labelled input, and the API's complaint about it (its accessible description). */
export function Field({
  label,
  name,
  error,
  type = 'text',
  ...rest
}: { label: string; name: string; error: string | undefined } & InputProps) {
  const errorId = useId();
  // preact types each input `type` with the roles it allows: a union a variable `type` cannot be checked against.
  const input = {
    name,
    type,
    ...rest,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': error ? errorId : undefined,
  } as InputHTMLAttributes;
  return (
    <div class="field">
      <label>
        {label}
        <input {...input} />
      </label>
      {error && (
        <span class="field-error" id={errorId}>
          {error}
        </span>
      )}
    </div>
  );
}
