// Package selfcontained holds one test: that no file of the repository refers to anything
// outside it. The facts pushspec's code stands on are written in the project's own words under
// docs/ (and beside the data they describe, as webpush/testdata/README.md), so a
// comment, a help text or a document must point there, never to a note, design file or path of
// the machine pushspec was written on.
//
// The test lists the tracked files (git ls-files; without git, it walks the tree) and fails
// naming file:line for every reference to the shared directory beside the checkout, to a path
// under /work or /root of that machine, to a notes file (by its path, or by the bare name of one
// of the notes the project was started from), or to the design file beside them. A line that
// mentions such a string as data of a test of its own (a test that checks a generated document
// for the same strings) carries the marker "selfcontained:allow" in a comment on that line.
//
//	go test ./internal/selfcontained
package selfcontained
