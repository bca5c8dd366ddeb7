// The keyboard-shortcuts overlay, opened with "?" or from a button on any screen.
class Help {
  open = $state(false);
}

export const help = new Help();
