package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fundflow/fundflow/internal/devtest/apitest"
	"github.com/fundflow/fundflow/internal/devtest/stack"
	"github.com/fundflow/fundflow/internal/directory"
	"github.com/fundflow/fundflow/internal/fund"
)

// screenshotDir is where the browser test leaves a PNG of every page it
// visits, for people to look at: out/screenshots at the repository root,
// or FUNDFLOW_SCREENSHOTS.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("FUNDFLOW_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "out", "screenshots")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chromium finds Debian's Chromium. Without it the browser test skips,
// except in CI, where a missing browser must fail the build.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is missing: .ci/run installs Debian's chromium package")
	}
	t.Skip("no Chromium; install Debian's chromium package to run the browser test")
	return ""
}

// axeSource is axe-core from npm (make npm-deps).
func axeSource(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("..", "npm", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is missing (run make npm-deps): %v", err)
	}
	return string(b)
}

// browser is one headless Chromium driven like a user: it types into
// labelled fields and presses buttons, takes a screenshot of every page,
// and runs axe-core on it.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	axe  string
	dir  string
	shot int
	// noScript is set while the page's JavaScript is off, which also
	// stops axe-core's promise; those pages are audited with it on.
	noScript bool

	mu       sync.Mutex
	problems []string // console errors and uncaught exceptions
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, axe: axeSource(t), dir: screenshotDir(t)}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			b.problem("exception: " + ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError {
				b.problem(fmt.Sprintf("console error: %v", ev.Args))
			}
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Logf("screenshots of every page: %s", b.dir)
	return b
}

func (b *browser) problem(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, s)
}

func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v (page %s)", what, err, b.url())
	}
}

func (b *browser) url() string {
	var u string
	_ = chromedp.Run(b.ctx, chromedp.Location(&u))
	return u
}

// open loads a path and checks the page.
func (b *browser) open(name, path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady("main", chromedp.ByQuery))
	b.check(name)
}

// check screenshots the current page, runs axe-core on it, and fails on a
// serious or critical accessibility violation, a script error, a page that
// names an application by its id rather than its reference, or one that
// says the service is broken.
func (b *browser) check(name string) {
	b.t.Helper()
	b.shot++
	var png []byte
	b.run("screenshot", chromedp.FullScreenshot(&png, 100))
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	shown := b.text("main")
	if strings.Contains(shown, "app_") {
		// People quote references; an id on a page is a page to fix.
		b.t.Fatalf("%s: the page shows an application id (%s):\n%s", name, b.url(), shown)
	}
	if strings.Contains(shown, "Sorry, there is a problem with the service") {
		b.t.Fatalf("%s: the page reports a service problem (%s)", name, b.url())
	}
	if b.noScript {
		return
	}
	var violations []struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Help   string   `json:"help"`
		Nodes  []string `json:"nodes"`
	}
	const audit = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})
		.then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`
	b.run("axe-core", chromedp.Evaluate(b.axe, nil), chromedp.Evaluate(audit, &violations, awaitPromise))
	for _, v := range violations {
		b.t.Errorf("%s (%s): axe %s %s: %s at %v", name, b.url(), v.Impact, v.ID, v.Help, v.Nodes)
	}
	b.mu.Lock()
	problems := b.problems
	b.problems = nil
	b.mu.Unlock()
	for _, p := range problems {
		// The design system's CSS names NHS fonts on a third-party host,
		// which our Content-Security-Policy refuses; Arial is the
		// design system's own fallback.
		if !strings.Contains(p, "assets.nhs.uk") {
			b.t.Errorf("%s (%s): %s", name, b.url(), p)
		}
	}
}

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// byID is an XPath for an element id, since the form ids are the API's
// field names (lead_contact.email), which CSS selectors would misread.
func byID(id string) string { return fmt.Sprintf(`//*[@id=%q]`, id) }

// fill types value into the field with id.
func (b *browser) fill(id, value string) {
	b.t.Helper()
	b.run("fill "+id, chromedp.SetValue(byID(id), value, chromedp.BySearch))
}

// choose picks the option with value in the select with id.
func (b *browser) choose(id, value string) {
	b.t.Helper()
	b.run("choose "+id+"="+value, chromedp.SetValue(byID(id), value, chromedp.BySearch))
}

// tick clicks a radio or checkbox by its value within the field named name.
func (b *browser) tick(name, value string) {
	b.t.Helper()
	b.run("tick "+name+"="+value, chromedp.Click(fmt.Sprintf(`//input[@name=%q and @value=%q]`, name, value), chromedp.BySearch))
}

// press clicks the button with that text and checks the page it leads to.
func (b *browser) press(name, text string) {
	b.t.Helper()
	b.navigate("press "+text, chromedp.Click(fmt.Sprintf(`//button[normalize-space()=%q]`, text), chromedp.BySearch))
	b.check(name)
}

// follow clicks the link with that text (ignoring visually hidden
// context) and checks the page it leads to.
func (b *browser) follow(name, text string) {
	b.t.Helper()
	b.navigate("follow "+text, chromedp.Click(fmt.Sprintf(`//a[starts-with(normalize-space(), %q)]`, text), chromedp.BySearch))
	b.check(name)
}

// navigate runs an action that leaves the page, and waits until the next
// page has loaded: the old document is marked, so its own "main" cannot
// be mistaken for the new one's.
func (b *browser) navigate(what string, action chromedp.Action) {
	b.t.Helper()
	b.run(what, chromedp.Evaluate(`window.leaving = true`, nil), action)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var loaded bool
		b.run(what+": wait", chromedp.Evaluate(`!window.leaving && document.readyState === 'complete'`, &loaded))
		if loaded {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page within 30s (at %s)", what, b.url())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) text(sel string) string {
	var s string
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	_ = chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// must fails unless the page's main content says want.
func (b *browser) must(want string) {
	b.t.Helper()
	if got := b.text("main"); !strings.Contains(got, want) {
		b.t.Fatalf("%s: want %q on the page, got:\n%s", b.url(), want, got)
	}
}

// section opens one section of the application at app, fills it and
// saves it; name prefixes its screenshots, so two journeys keep theirs apart.
func (b *browser) section(name, app, slug string, fill func()) {
	b.t.Helper()
	b.open(name+"-section-"+slug, app+"/sections/"+slug)
	fill()
	b.press(name+"-saved-"+slug, "Save and continue")
	b.must("Section saved")
}

// mustNot fails if the page's main content says any of bad.
func (b *browser) mustNot(bad ...string) {
	b.t.Helper()
	got := b.text("main")
	for _, s := range bad {
		if strings.Contains(got, s) {
			b.t.Fatalf("%s: %q must not be on the page:\n%s", b.url(), s, got)
		}
	}
}

// signIn signs in by pasting a service token into the sign-in form.
func (b *browser) signIn(who, token string) {
	b.t.Helper()
	b.open(who+"-sign-in", "/sign-in")
	b.fill("token", token)
	b.press(who+"-start", "Sign in with a token")
}

// signInAs signs in as a person would: through the sign-in page to the
// dev identity provider's "sign in as" list, and back through the OIDC
// code flow.
func (b *browser) signInAs(who, label string) {
	b.t.Helper()
	b.open(who+"-sign-in", "/sign-in")
	b.follow(who+"-identity-provider", "Sign in with the fundflow dev identity provider")
	b.press(who+"-signed-in", label)
}

func (b *browser) signOut() {
	b.t.Helper()
	b.navigate("sign out", chromedp.Click(`//button[normalize-space()="Sign out"]`, chromedp.BySearch))
}

// fetchStatus asks the page's own origin for path with the session
// cookie, as a link in the page would, and reports status and type.
func (b *browser) fetchStatus(path string) (int, string) {
	var out struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
	}
	js := fmt.Sprintf(`fetch(%q).then(r => ({status: r.status, type: r.headers.get('content-type') || ''}))`, path)
	b.run("fetch "+path, chromedp.Evaluate(js, &out, awaitPromise))
	return out.Status, out.Type
}

// attr reads an attribute of the element at xpath.
func (b *browser) attr(xpath, name string) string {
	b.t.Helper()
	var v string
	var ok bool
	b.run("read "+name, chromedp.AttributeValue(xpath, name, &v, &ok, chromedp.BySearch))
	if !ok {
		b.t.Fatalf("%s has no %s", xpath, name)
	}
	return v
}

var appIDPattern = regexp.MustCompile(`/applications/([^/?#]+)`)

// appID is the application id in the current page's address.
func (b *browser) appID() string {
	m := appIDPattern.FindStringSubmatch(b.url())
	if m == nil {
		b.t.Fatalf("not on an application page: %s", b.url())
	}
	return m[1]
}

// TestBrowserJourney is the whole product through the web front end in a
// real browser, on a real Temporal server: an ICS lead applies (with a
// validation error on the way) with an NHS trust as partner and a council
// officer as co-applicant, its certifier signs it off, two reviewers score, the panel approves,
// the lead accepts the offer and reports a milestone, and the programme
// manager verifies it and sees the drawdown. Every page is screenshotted
// and checked with axe-core, and a second organisation's lead tries to
// reach the first's application.
func TestBrowserJourney(t *testing.T) {
	chromium(t)
	e := own(t, stack.Options{})
	b := newBrowser(t, e.stack.API)
	const quyLead = "ICS lead, NHS Bristol, North Somerset and South Gloucestershire ICB"

	// The ICS lead signs in through the identity provider, lands on their
	// applications, and starts one, filling it in section by section.
	b.signInAs("applicant", quyLead)
	b.must("Your applications")
	b.choose("fund_id", e.fund.ID)
	b.press("applicant-task-list", "Start application")
	id := b.appID()
	app := "/applications/" + id
	section := func(slug string, fill func()) { b.section("applicant", app, slug, fill) }
	section("contacts", func() {
		b.fill("lead_contact.name", "Siobhán Ó Dónaill")
		b.fill("lead_contact.email", "prevention.lead@nhs.net")
		b.fill("lead_contact.role", "Head of Prevention")
		b.fill("sro.name", "Dr Rhiannon Price")
		b.fill("sro.role", "Director of Public Health")
	})
	section("reach", func() {
		b.fill("population_covered", "650000")
		b.fill("planned_reach", "12000")
		b.tick("target_cohorts", "hypertension")
		b.tick("target_cohorts", "mental_wellbeing")
		b.tick("deployment_routes", "primary_care_public_health")
		b.tick("deployment_routes", "nhs_app")
	})
	// Asking for more than the maximum award is refused field by field,
	// and nothing typed is lost.
	b.open("applicant-section-funding", app+"/sections/funding")
	b.fill("requested_pence", "90,000")
	b.press("applicant-funding-error", "Save and continue")
	b.must("There is a problem")
	b.run("error summary links to the field", chromedp.WaitVisible(`//div[contains(@class,"nhsuk-error-summary")]//a[@href="#requested_pence"]`, chromedp.BySearch))
	b.fill("requested_pence", "80,000")
	b.press("applicant-saved-funding", "Save and continue")
	b.must("Section saved")
	para := func(topic string) string {
		return "Our " + topic + " is set out here in enough detail for reviewers to judge it against the fund's criteria."
	}
	for _, n := range [][2]string{{"need", "need"}, {"delivery", "delivery_plan"}, {"integration", "integration_plan"}, {"shifts", "three_shifts"}} {
		section(n[0], func() { b.fill(n[1], para(strings.ReplaceAll(n[1], "_", " "))) })
	}
	// The evaluation asks for a baseline and target per measure on each
	// route chosen above; one is enough.
	section("evaluation", func() {
		b.fill("evaluation", para("evaluation"))
		b.fill("targets.wemwbs.primary_care_public_health.baseline", "41.0")
		b.fill("targets.wemwbs.primary_care_public_health.target", "45.0")
	})
	section("governance", func() {
		b.fill("ig_readiness", para("information governance readiness"))
		b.tick("dpia_status", "complete")
		b.tick("dtac_status", "in_progress")
	})
	// A PDF attached to the draft, as the kind of document it is, is
	// listed with its scan status.
	pdfFile := func(name string) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, apitest.PDF(name), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	b.open("applicant-draft-upload", app)
	b.fill("kind", "dpia")
	b.run("choose a file", chromedp.SetUploadFiles(byID("file"), []string{pdfFile("DPIA signed off.pdf")}, chromedp.BySearch))
	b.press("applicant-draft-uploaded", "Upload file")
	b.must("File uploaded: DPIA signed off.pdf")
	// A new file is listed as being scanned, and not offered for citing,
	// until the worker has recorded its scan (here "not scanned", as
	// scanning is off); the lead comes back to the page after that.
	e.AwaitScans(id, e.token("applicant_QUY"))
	b.open("applicant-draft-scanned", app)
	b.must("Not scanned")
	// The bid is a partnership: an NHS trust by its ODS code, whose name
	// comes from the registry, and the council's officer invited to
	// write with the lead.
	b.open("applicant-partners", app+"/partners")
	b.tick("kind", "nhs_body")
	b.fill("ods_code", "RA7")
	b.fill("role", "Runs the clinics and takes the referrals.")
	b.fill("share_pence", "20,000")
	b.press("applicant-partner-added", "Add partner")
	b.must("Partner added: Bristol NHS Foundation Trust")
	b.open("applicant-team", app+"/team")
	b.fill("email", "amira.hassan@bristol.gov.uk")
	b.fill("name", "Amira Hassan")
	b.tick("right", "edit")
	b.tick("sections", "delivery")
	b.press("applicant-invited", "Send invitation")
	b.must("Invitation sent to Amira Hassan")
	b.open("applicant-check-answers", app+"/check")
	b.must("Baseline 41.0 points, target 45.0 points")
	b.tick("sro_declaration", "true")
	b.press("applicant-submitted", "Submit and send for sign-off")
	b.must("Sent for sign-off")
	b.signOut()

	// The invited officer accepts, and sees that one bid.
	b.signInAs("co-applicant", "Co-applicant, Bristol City Council")
	b.open("co-applicant-invitation", app+"/invitation")
	b.press("co-applicant-accepted", "Accept invitation")
	b.open("co-applicant-application", app)
	b.must("invited you to work on this bid")
	b.signOut()

	// The ICB's chief finance officer reads the whole bid and signs it
	// off; only then does it count as submitted.
	b.signInAs("certifier", "Chief finance officer, NHS Bristol, North Somerset and South Gloucestershire ICB")
	b.open("certifier-sign-off", app+"/sign-off")
	b.must("Bristol NHS Foundation Trust")
	b.tick("declare", "true")
	b.press("certifier-signed-off", "Sign off")
	b.must("You have signed off the bid")
	b.signOut()

	// Another organisation's lead sees none of it, by any address.
	b.signInAs("other-applicant", "ICS lead, Betsi Cadwaladr University Health Board")
	b.mustNot(id, "Siobhán")
	for _, p := range []string{app, app + "/offer", app + "/check", app + "/sections/contacts"} {
		b.open("other-applicant-blocked", p)
		b.must("Page not found")
		b.mustNot("Siobhán", "prevention.lead@nhs.net")
	}
	b.signOut()

	socialPrescribingJourney(t, b)

	// A reviewer confirms eligibility; the assigned reviewers score.
	waitFor(t, "eligibility", func() bool { return e.status(id) == "eligibility" })
	b.signInAs("reviewer-eligibility", "Reviewer 1")
	b.open("reviewer-application", app)
	b.tick("decision", "pass")
	b.fill("reason", "The organisation and the request meet every rule of the fund.")
	b.press("reviewer-eligibility-recorded", "Record eligibility decision")
	b.signOut()
	waitFor(t, "assessment", func() bool { return e.status(id) == "assessment" })
	for i, r := range e.assigned(id) {
		who := fmt.Sprintf("reviewer-%d", i+1)
		b.signInAs(who, e.reviewerLabel(r))
		b.must("NHS Bristol") // the queue lists the assigned application
		b.open(who+"-application", app)
		b.follow(who+"-scoring", "Score this application")
		def := e.seedDefinition()
		for i := range def.Criteria {
			b.tick(fmt.Sprintf("scores[%d].score", i), "4")
			b.fill(fmt.Sprintf("scores[%d].justification", i), "The plan is specific and well evidenced.")
		}
		b.fill("feedback", "A clear plan with credible outcome measures.")
		b.fill("internal_comment", "Strong; discussed with the panel secretary.")
		b.press(who+"-scored", "Submit scores")
		b.signOut()
	}

	// The panel chair ranks and approves.
	waitFor(t, "panel", func() bool { return e.status(id) == "panel" })
	b.signInAs("panel-chair", "Panel chair")
	b.open("panel-ranking", "/panel?fund_id="+e.fund.ID)
	b.must("NHS Bristol") // the ranked list
	b.open("panel-chair-application", app)
	b.tick("outcome", "approve")
	b.fill("amount_pence", "80,000")
	b.fill("feedback", "Approved in full.")
	b.press("panel-chair-decided", "Record decision")
	b.signOut()

	// The lead reads the offer letter and accepts.
	waitFor(t, "offered", func() bool { return e.status(id) == "offered" })
	b.signInAs("applicant-offer", quyLead)
	b.open("applicant-status-offered", app)
	b.follow("applicant-offer", "View your offer")
	if status, kind := b.fetchStatus(b.attr(`//a[contains(normalize-space(), "offer letter")]`, "href")); status != 200 || kind != "application/pdf" {
		t.Fatalf("offer letter: %d %s", status, kind)
	}
	b.fill("signatory_name", "Dr Rhiannon Price")
	b.fill("signatory_role", "Director of Public Health")
	b.press("applicant-accepted", "Accept offer")
	waitFor(t, "in deployment", func() bool { return e.status(id) == "in_deployment" })

	// ...and reports the first milestone, which needs the DPIA from the
	// draft and a DTAC assessment, uploaded from the evidence page.
	b.open("applicant-in-deployment", app)
	b.follow("applicant-evidence", "Submit evidence")
	b.must("Documents required")
	b.must("Missing")
	b.run("choose a file", chromedp.SetUploadFiles(byID("file"), []string{pdfFile("DTAC assessment.pdf")}, chromedp.BySearch))
	b.press("applicant-evidence-uploaded", "Upload file")
	b.must("File uploaded: DTAC assessment.pdf")
	b.mustNot("Missing")
	e.AwaitScans(id, e.token("applicant_QUY"))
	b.open("applicant-evidence-scanned", app+"/milestones/ig_approvals/evidence")
	b.fill("summary", "DPIA signed off by the Caldicott Guardian; DTAC submitted.")
	b.fill("metric_name_1", "documents_approved")
	b.fill("metric_value_1", "2")
	b.fill("links", "https://example.nhs.uk/dpia.pdf")
	// Without the DTAC assessment the evidence is refused, GOV.UK style.
	b.run("untick the DTAC", chromedp.Click(`//label[starts-with(normalize-space(), "DTAC assessment.pdf")]`, chromedp.BySearch))
	b.press("applicant-evidence-refused", "Submit evidence")
	b.must("There is a problem")
	b.must("Documents must include the DTAC assessment")
	b.run("tick the DTAC", chromedp.Click(`//label[starts-with(normalize-space(), "DTAC assessment.pdf")]`, chromedp.BySearch))
	b.press("applicant-evidence-submitted", "Submit evidence")
	b.must("Evidence submitted")
	b.signOut()

	// The programme manager sees the required documents and the files
	// cited, opens one, verifies, and sees the drawdown.
	b.signInAs("programme-manager", "Programme manager")
	b.open("programme-manager-application", app)
	b.must("DPIA signed off: included")
	b.must("DTAC assessment: included")
	if status, kind := b.fetchStatus(b.attr(`//a[normalize-space()="DTAC assessment.pdf"]`, "href")); status != 200 || kind != "application/pdf" {
		t.Fatalf("the cited DTAC assessment: %d %s", status, kind)
	}
	b.tick("decision", "verify")
	b.fill("note", "Both approvals seen.")
	b.press("programme-manager-verified", "Record verification")
	drawn := pounds(e.milestoneDrawdown(id, "ig_approvals"))
	waitFor(t, "drawdown on the dashboard", func() bool {
		b.open("programme-manager-dashboard", "/programme")
		return strings.Contains(b.text("[data-live-region]"), drawn)
	})
	// The dashboard follows the engine by itself: when the award is
	// completed elsewhere, the page shows it without a reload. (The event
	// stream carries status changes, so a drawdown alone is seen on the
	// next load.)
	def := e.seedDefinition()
	for _, m := range e.milestoneIDs(id)[1:] {
		tm, _ := def.Milestone(m)
		e.post("/v1"+app+"/milestones/"+m+"/evidence", e.token("applicant_QUY"), map[string]any{"summary": "Done, as planned.", "outcomes": e.outcomes(m, 900),
			"documents": e.AttachRequired(id, e.token("applicant_QUY"), tm)}, 200)
		e.post("/v1"+app+"/milestones/"+m+"/verify", e.token("programme_manager"), map[string]any{"decision": "verify", "note": "Seen."}, 200)
	}
	waitFor(t, "live update of the dashboard", func() bool {
		region := b.text("[data-live-region]")
		return strings.Contains(region, "Completed") && strings.Contains(region, "£80,000\t£80,000")
	})
	b.check("programme-manager-dashboard-live")
	b.signOut()

	// Without JavaScript the forms still work: they are plain HTML posts.
	b.run("turn JavaScript off", emulation.SetScriptExecutionDisabled(true))
	b.noScript = true
	b.signInAs("no-javascript", "ICS lead, Betsi Cadwaladr University Health Board")
	b.press("no-javascript-task-list", "Start application")
	b.open("no-javascript-section", "/applications/"+b.appID()+"/sections/contacts")
	b.fill("lead_contact.name", "Llŷr Siân Evans")
	b.press("no-javascript-saved", "Save and continue")
	b.must("Section saved")
	b.signOut()
	b.run("turn JavaScript on", emulation.SetScriptExecutionDisabled(false))
	b.noScript = false

	// An admin's pages, signed in with a pasted service token, which still
	// works for those who hold one.
	b.signIn("admin", e.token("admin"))
	b.open("admin-new-fund", "/funds/new")
	b.choose("form_from", fund.SocialPrescribingID)
	b.press("admin-new-fund-form-copied", "Copy form")
	b.press("admin-new-fund-form-preview", "Preview form")
	b.must("Preview of the application form")
	b.must("Voluntary-sector partners")
	b.open("admin-fund-import", "/funds/import")
	b.open("admin-fund", "/funds/prevention-innovation-2025")
	b.follow("admin-fund-form", "Application form")
	b.must("Version 1 is the form new applications use.")
	b.press("admin-fund-form-preview", "Preview form")
	b.must("Population and reach")
	b.open("admin-people", "/admin/users")
	b.must("Dr Rhian Evans")
	b.open("admin-person", "/admin/users/"+directory.UserID("rhian.evans@example.nhs.uk"))
	b.open("admin-reviewers", "/funds/prevention-innovation-2025/reviewers")
	b.must("Reviewer pool")
	b.open("admin-tokens", "/admin/tokens")
	b.open("admin-audit", "/admin/audit")
	b.signOut()
}

// socialPrescribingJourney is the second dev fund's own form, draft to
// submitted, in the browser with axe checks: a lead in Scotland answers an
// organisation, a date, a yes/no that reveals a repeating group of
// partners (one added with "Add another"), a word-limited text, choices
// and targets on the fund's own measures, and submits.
func socialPrescribingJourney(t *testing.T, b *browser) {
	t.Helper()
	b.signInAs("social-applicant", "ICS lead, NHS Greater Glasgow and Clyde")
	b.choose("fund_id", fund.SocialPrescribingID)
	b.press("social-task-list", "Start application")
	b.must("Your social-prescribing service")
	app := "/applications/" + b.appID()
	section := func(slug string, fill func()) { b.section("social", app, slug, fill) }
	section("contacts", func() {
		b.fill("lead_contact.name", "Morag Campbell")
		b.fill("lead_contact.email", "morag.campbell@nhs.scot")
		b.fill("lead_contact.role", "Head of Community Health")
		b.fill("sro.name", "Dr Iain MacLeod")
		b.fill("sro.role", "Director of Public Health")
	})
	section("service", func() {
		b.tick("delivery_model", "commissioned")
		b.tick("deployment_routes", "community_hubs")
		b.fill("start_date", "1")
		b.fill("start_date-month", "9")
		b.fill("start_date-year", "2026")
		b.fill("link_workers", "4")
		b.fill("population_covered", "1174980")
		b.fill("planned_reach", "800")
	})
	// Yes reveals the partners; a second is added on the same page.
	b.open("social-section-partners", app+"/sections/partners")
	b.tick("has_partners", "yes")
	b.run("partners revealed", chromedp.WaitVisible(byID("partners[0].name"), chromedp.BySearch))
	b.fill("partners[0].name", "Glasgow Council for the Voluntary Sector")
	b.fill("partners[0].contact_email", "referrals@gcvs.org.uk")
	b.press("social-partner-added", "Add another item to Partners")
	b.fill("partners[1].name", "Men's Sheds Glasgow")
	b.fill("partners[1].contact_email", "hello@menssheds.scot")
	b.press("social-saved-partners", "Save and continue")
	b.must("Section saved")
	section("approach", func() {
		b.fill("approach", "GPs and pharmacists refer people to a link worker, who meets them within two weeks, "+
			"agrees what matters to them and introduces them to a partner group, then follows up at six and twelve weeks.")
		b.tick("referral_sources", "gp")
		b.tick("referral_sources", "self_referral")
		b.tick("safeguarding_policy", "yes")
	})
	section("funding", func() {
		b.fill("requested_pence", "45,000")
		b.fill("targets.wemwbs.community_hubs.baseline", "40.0")
		b.fill("targets.wemwbs.community_hubs.target", "44.0")
		b.fill("targets.people_referred.community_hubs.baseline", "0")
		b.fill("targets.people_referred.community_hubs.target", "800")
	})
	b.open("social-check-answers", app+"/check")
	b.must("Men's Sheds Glasgow")
	b.must("1 September 2026")
	b.tick("sro_declaration", "true")
	b.press("social-submitted", "Submit and send for sign-off")
	b.must("Sent for sign-off")
	b.signOut()
	b.signInAs("social-certifier", "Chief finance officer, NHS Greater Glasgow and Clyde")
	b.open("social-sign-off", app+"/sign-off")
	b.tick("declare", "true")
	b.press("social-signed-off", "Sign off")
	b.must("You have signed off the bid")
	b.signOut()
}

func (e *env) seedDefinition() fund.Definition {
	var v struct{ Definition fund.Definition }
	e.Do("GET", "/v1/funds/"+e.fund.ID, e.token("admin"), nil, &v)
	return v.Definition
}

// milestoneDrawdown is what verifying a milestone draws, in pence.
func (e *env) milestoneDrawdown(id, milestone string) int64 {
	var ms []struct {
		ID            string
		DrawdownPence int64 `json:"drawdown_pence"`
	}
	e.Do("GET", "/v1/applications/"+id+"/milestones", e.token("admin"), nil, &ms)
	for _, m := range ms {
		if m.ID == milestone {
			return m.DrawdownPence
		}
	}
	e.t.Fatalf("no milestone %s on %s", milestone, id)
	return 0
}

// milestoneIDs are an award's milestones, soonest due first.
func (e *env) milestoneIDs(id string) []string {
	var ms []struct{ ID string }
	e.Do("GET", "/v1/applications/"+id+"/milestones", e.token("admin"), nil, &ms)
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

// pounds is how the pages write an amount: £8,000 or £8,000.50.
func pounds(pence int64) string {
	s := strconv.FormatInt(pence/100, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if p := pence % 100; p != 0 {
		s += fmt.Sprintf(".%02d", p)
	}
	return "£" + s
}
