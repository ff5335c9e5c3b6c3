// Package speclint checks the conformance spec sources under specs/ for things the compiler
// cannot: that every assertion says, in a sentence, what was observed against what the rule
// requires, so that a failure's message is about the target and not a test-framework dump; and
// that a comment quoting a document quotes it word for word, from a rule's Quote (which holds
// the rule's sentence once) or from a short list of verified other sentences.
package speclint
