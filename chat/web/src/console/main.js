import { createApp } from 'vue';
import ConsoleApp from './ConsoleApp.vue';
import './console.css';

createApp(ConsoleApp).mount('#console');
