/** The page's entry point: the bundle esbuild builds into `app.js`. */
import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);
