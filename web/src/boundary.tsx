import { Component, type ReactNode } from 'react';
import { ErrorState } from './ui.tsx';

// A page that fails to draw shows what went wrong and a way on, never a blank screen. The
// boundary starts afresh when the address changes, so the next page is not held hostage.

export class Boundary extends Component<{ at: string; children: ReactNode }, { error: Error | null; at: string }> {
  override state = { error: null as Error | null, at: this.props.at };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(props: { at: string }, state: { error: Error | null; at: string }) {
    return props.at === state.at ? null : { error: null, at: props.at };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return <ErrorState error={new Error(`This page could not be drawn: ${this.state.error.message}. Reload, or go back.`)} retry={() => location.reload()} />;
  }
}
