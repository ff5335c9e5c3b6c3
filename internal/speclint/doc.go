// Package speclint checks the conformance spec sources under specs/ for things the compiler
// cannot: that every assertion says, in a sentence, what was observed against what the rule
// requires, so that a failure's message is about the target and not a test-framework dump.
package speclint
