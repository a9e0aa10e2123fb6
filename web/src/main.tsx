import { render } from 'preact';
import '@digital-go-jp/design-tokens/dist/tokens.css';
import './styles.css';
import { App } from './App';

render(<App />, document.getElementById('app')!);
