// An imports module that never finishes loading: its worker never starts.
for (;;) {
  // spin
}
