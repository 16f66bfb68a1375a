import { render } from 'preact';
import '../shared/style.css';
import { ShopApp } from './shop-app.js';

render(<ShopApp />, document.getElementById('app')!);
