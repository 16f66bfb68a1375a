export { Codes, SkError, codeInfo, envelope, type CodeInfo, type CodeName, type FieldError } from './codes.js';
