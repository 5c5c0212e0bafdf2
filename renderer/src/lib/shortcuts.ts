// Keyboard shortcuts of the main screens: one key each, ignored while the
// user types in a field (or holds Ctrl / Alt / Meta, which belong to the
// browser). `?` lists them (components/ShortcutsOverlay.svelte).

export interface Shortcut {
  key: string;
  /** What it does, as the overlay lists it. */
  label: string;
  /** A hash route to go to, or an action the shell handles. */
  target: `#/${string}` | 'theme' | 'help';
}

export const SHORTCUTS: readonly Shortcut[] = [
  { key: 'd', label: 'Datasets', target: '#/datasets' },
  { key: 'n', label: 'New run', target: '#/new' },
  { key: 'h', label: 'History', target: '#/history' },
  { key: 'c', label: 'Compare', target: '#/compare' },
  { key: 'e', label: 'Experiments', target: '#/experiments' },
  { key: 't', label: 'Switch light / dark theme', target: 'theme' },
  { key: '?', label: 'Show or hide these shortcuts', target: 'help' },
];

/** The parts of a KeyboardEvent a shortcut reads (DOM-free, so the rules test in Node). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
  target: unknown;
}

/** Input types that take no typed text. */
const NOT_TYPED = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file']);

/** Whether a key press is typing (in a field, a select, an editable element) rather than a command. */
export function isTyping(e: KeyPress): boolean {
  // Duck-typed: the target may be the window or the document, which have no tag.
  const el = e.target as { tagName?: unknown; isContentEditable?: boolean; type?: unknown } | null;
  if (!el || typeof el.tagName !== 'string') return false;
  // A focused checkbox, radio, slider or button takes no letters: the shortcut still works there.
  if (el.tagName === 'INPUT') return !NOT_TYPED.has(String(el.type ?? 'text'));
  return !!el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/** The shortcut a key press asks for, or null (typing, modifier held, or no such key). */
export function shortcutFor(e: KeyPress): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTyping(e)) return null;
  return SHORTCUTS.find((s) => s.key === e.key) ?? null;
}
