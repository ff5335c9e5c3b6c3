// Package ruleids holds one test: that code outside rules/ names a rule by its Go value
// (rules.TTLMissing400, or rules.TTLMissing400.ID where a string is needed), never by its ID
// written as a string literal. A typo in a value is a compile error; a typo in a string is a
// rule nobody checks.
//
// The test parses every .go file of the repository and fails naming file:line for each string
// literal that is a catalogued rule ID, or that is shaped like an RFC rule ID ("rfc8030-9-x")
// without being one. rules/ is where IDs are declared; testdata/ holds generated and golden files.
// A literal that is a made-up ID on purpose (a test that an unknown rule is refused) carries the
// marker "ruleids:allow" in a comment on its line.
//
//	go test ./internal/ruleids
package ruleids
