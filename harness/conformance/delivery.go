package conformance

// EvidenceShownBy is the evidence key of a sender's check that a real browser received its
// message: the browser's name and version ("Chromium 156.0.8078.129"). The report gives each
// sender a cell per browser from it ("shown by Chromium 156.0.8078.129"), beside the rule the
// check decides.
const EvidenceShownBy = "shown_by"
