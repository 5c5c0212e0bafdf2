// The page's theme and the colours charts draw with. The user chooses light,
// dark or "system" (the default: follow prefers-color-scheme, also when it
// changes); the choice is kept in localStorage. The effective theme is set as
// data-theme on <html>, which app.css keys its dark variables on, and chart
// colours are read back from those CSS variables so a canvas follows too.

export interface ChartColors {
  /** Tick labels, axis titles, legend. */
  text: string;
  grid: string;
}

export type ThemeChoice = 'system' | 'light' | 'dark';

const DARK = '(prefers-color-scheme: dark)';
const STORAGE_KEY = 'seqlab.theme';

function read(): ChartColors {
  const style = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return { text: v('--text-muted', '#5b6270'), grid: v('--chart-grid', '#e4e7ec') };
}

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

class ChartTheme {
  /** What the user picked. */
  choice = $state<ThemeChoice>(stored());
  /** Whether the page is dark now (the choice, or the system's setting under "system"). */
  dark = $state(false);
  current = $state<ChartColors>({ text: '#5b6270', grid: '#e4e7ec' });

  constructor() {
    this.apply();
    matchMedia(DARK).addEventListener('change', () => this.apply());
  }

  /** Sets and remembers the user's choice. */
  choose(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // storage refused (private mode): the choice lasts for this page
    }
    this.apply();
  }

  private apply(): void {
    this.dark = this.choice === 'dark' || (this.choice === 'system' && matchMedia(DARK).matches);
    document.documentElement.dataset['theme'] = this.dark ? 'dark' : 'light';
    this.current = read();
  }
}

export const chartTheme = new ChartTheme();
