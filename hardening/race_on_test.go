//go:build race

package hardening

// raceEnabled: the race detector multiplies CPU per message by 5–10, so the default load is smaller.
const raceEnabled = true
