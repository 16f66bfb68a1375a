import { render } from 'preact';
import '../shared/style.css';
import { ConsoleApp } from './console-app.js';

render(<ConsoleApp />, document.getElementById('app')!);
