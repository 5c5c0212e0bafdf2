// Renderer entry: zod set up for the CSP first, then the app mounted on #app.
import './lib/zod-setup.ts';
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
