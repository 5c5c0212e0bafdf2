// Hash routing (#/run/3?x=1): works the same from seqlab serve and from
// Electron's app:// protocol, and needs no server support.

export type Route =
  | { name: 'datasets' }
  | { name: 'new'; datasetId: number | null; fromRun: number | null }
  | { name: 'run'; id: number }
  | { name: 'compare'; ids: number[] }
  | { name: 'history' }
  | { name: 'experiments' }
  | { name: 'experiment'; id: number }
  | { name: 'sweeps' }
  | { name: 'sweep'; id: number }
  | { name: 'paper-check' }
  | { name: 'bench'; params: URLSearchParams }
  | { name: 'not-found'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/datasets';
  const [path = '/', query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  const num = (s: string | null | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  switch (parts[0]) {
    case undefined:
    case 'datasets':
      return { name: 'datasets' };
    case 'new':
      return { name: 'new', datasetId: num(params.get('dataset')), fromRun: num(params.get('from')) };
    case 'run': {
      const id = num(parts[1]);
      return id ? { name: 'run', id } : { name: 'not-found', path };
    }
    case 'compare':
      return {
        name: 'compare',
        ids: (params.get('ids') ?? '')
          .split(',')
          .map(num)
          .filter((n): n is number => n !== null),
      };
    case 'history':
      return { name: 'history' };
    case 'experiments':
      return { name: 'experiments' };
    case 'paper-check':
      return { name: 'paper-check' };
    case 'experiment': {
      const id = num(parts[1]);
      return id ? { name: 'experiment', id } : { name: 'not-found', path };
    }
    case 'sweeps':
      return { name: 'sweeps' };
    case 'sweep': {
      const id = num(parts[1]);
      return id ? { name: 'sweep', id } : { name: 'not-found', path };
    }
    case 'bench':
      return { name: 'bench', params };
    default:
      return { name: 'not-found', path };
  }
}

class Router {
  route = $state<Route>(parseHash(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => (this.route = parseHash(location.hash)));
  }

  go(path: string): void {
    location.hash = `#${path}`;
  }
}

export const router = new Router();
