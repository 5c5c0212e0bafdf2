// The colours charts draw with, read from the CSS variables of app.css so a
// canvas follows the page's theme (light, or dark under prefers-color-scheme).
// `current` changes when the system setting does, and charts redraw.

export interface ChartColors {
  /** Tick labels, axis titles, legend. */
  text: string;
  grid: string;
}

const DARK = '(prefers-color-scheme: dark)';

function read(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { text: v('--text-muted', '#5b6270'), grid: v('--chart-grid', '#e4e7ec') };
}

class ChartTheme {
  current = $state<ChartColors>(read());
  /** Whether the system asks for dark colours (the CSS follows the same media query). */
  dark = $state(matchMedia(DARK).matches);

  constructor() {
    matchMedia(DARK).addEventListener('change', (e) => {
      this.dark = e.matches;
      this.current = read();
    });
  }
}

export const chartTheme = new ChartTheme();
