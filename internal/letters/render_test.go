package letters

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/fundflow/fundflow/internal/calendar"
	"github.com/fundflow/fundflow/internal/devtest/pdftest"
)

// pdfText is the text of pages first..last (0 for all), as words.
func pdfText(t *testing.T, pdf []byte, first, last int) string {
	t.Helper()
	if first > 0 {
		return pdftest.Words(t, pdf, "-f", fmt.Sprint(first), "-l", fmt.Sprint(last))
	}
	return pdftest.Words(t, pdf)
}

func render(t *testing.T, s Snapshot) []byte {
	t.Helper()
	pdf, err := Render(s)
	if err != nil {
		t.Fatalf("Render(%s): %v", s.Kind, err)
	}
	return pdf
}

func assertContains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("letter text lacks %q\n--- text ---\n%s", w, text)
		}
	}
}

func TestRenderText(t *testing.T) {
	common := []string{
		"Holly Health", "Prevention Innovation Fund 2025",
		"24 November 2026",
		"Gwenllïan Ó Dónaill", "Fund Programme Director",
		"Check that this letter is genuine at http://localhost:8080/v1/letters/PIF-2025-000123-",
	}
	tests := []struct {
		kind Kind
		want []string
	}{
		{KindOffer, []string{
			"Dr Siân Llŷr", "Dear Dr Siân Llŷr,", "NHS Cheshire and Merseyside Integrated Care Board", "QYG",
			"PIF-2025-000123-OFR-1", "Offer of funding",
			"£80,000.00", "eighty thousand pounds",
			"23:59 on 8 December 2026",
			"DTAC review – signed off", "the fund’s deployment routes", "“Prevention Innovation Fund 2025”",
			"Information-governance approvals: DPIA and DTAC signed off 8 February 2027 £8,000.00 10%",
			"Go-live on the first deployment route 8 March 2027 £24,000.00 30%",
			"First 1,000 people onboarded 9 June 2027 £16,000.00 20%",
			"Three-month outcomes report 9 September 2027 £16,000.00 20%",
			"Final evaluation 8 March 2028 £16,000.00 20%",
			"Total £80,000.00 100%",
			"Page 1 of 2", "Page 2 of 2",
		}},
		{KindRejection, []string{
			"Dr Siân Llŷr", "PIF-2025-000123-REJ-1",
			"£75,500.00", "seventy-five thousand five hundred pounds",
			"Population need and reach 25% 3.5 / 5",
			"Weighted score 2.65", "at least 3.00",
			"no named owner and no timetable",
			"Page 1 of",
		}},
		{KindIneligible, []string{
			"Ciarán Ó Dónaill", "Belfast Health and Social Care Trust", "PIF-2025-000123-INE-1",
			"£90,000.00", "ninety thousand pounds",
			"Eligible nation", "not eligible for this fund",
			"Page 1 of 1",
		}},
		{KindWaitlist, []string{
			"Dr Siân Llŷr", "PIF-2025-000123-WTL-1", "waiting list",
			"£65,000.00", "sixty-five thousand pounds", "3.40",
			"Page 1 of 1",
		}},
		{KindCompletion, []string{
			"Dr Siân Llŷr", "PIF-2025-000123-CMP-1",
			"£80,000.00", "eighty thousand pounds",
			"Final evaluation 9 September 2026 £16,000.00",
			"1,412 people",
			"Page 1 of",
		}},
		{KindAgreement, []string{
			"PIF-2025-000123-AGR-1", "Grant agreement for Prevention Innovation Fund 2025",
			"£80,000.00", "eighty thousand pounds",
			"Prevention Innovation Fund 2025 grant terms, version 3",
			"5f1c9b3e 0a7d42c8 e6b1f09a 3d7c5e2b 8a4f6d1c 0e9b7a3f 5d2c8e1b 4a6f9d03",
			"1. The award The grantor awards the grant", "for no other purpose. The grant is the amount in the offer letter.",
			"5. Ending the agreement Either party may end this agreement on three months' notice",
			"Final evaluation 8 March 2028 £16,000.00 20%", "Total £80,000.00 100%",
			"Betsi Cadwaladr University Health Board (NHS body)",
			"Signed for NHS Cheshire and Merseyside Integrated Care Board by Rhodri ap Gwilym, Chief Finance Officer, on 1 December 2026 at 14:05 (UK time)",
			"I confirm that I am authorised to sign this agreement",
			"This agreement accepts offer PIF-2025-000123-OFR-1.",
			"Page 1 of 3",
		}},
		{KindVariation, []string{
			"PIF-2025-000123-VAR-1", "Variation to your award from the Prevention Innovation Fund 2025",
			"Change request CR-0042", "Requested on 2 November 2026",
			"integration release moved to March.", "a larger final evaluation.",
			"What Before After", "Due date of “First 1,000 people onboarded” 9 June 2027 9 August 2027",
			"Award before this variation £80,000.00 Amount in words eighty thousand pounds",
			"Award after this variation £86,000.00 Amount in words eighty-six thousand pounds",
			"Final evaluation 8 March 2028 £22,000.00 25.58%", "Total £86,000.00 100%",
			"Gwenllïan Ó Dónaill Fund Programme Director 16:45 on 20 November 2026",
			"Eluned Môn-Pritchard Finance approver 09:10 on 23 November 2026",
			"The other terms of your award are unchanged",
			"Page 1 of 2",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			s := sample(tt.kind)
			text := pdfText(t, render(t, s), 0, 0)
			assertContains(t, text, common...)
			assertContains(t, text, tt.want...)
			hash, err := ContentHash(s)
			if err != nil {
				t.Fatal(err)
			}
			assertContains(t, text, "Reference "+s.Ref+" · content hash "+hash[:12])
		})
	}
}

// TestRenderLongLetter checks page breaking: a long conditions list runs
// onto further pages, every page carries the footer, and a table split by a
// page break repeats its header.
func TestOfferListsOutcomeTargets(t *testing.T) {
	s := sample(KindOffer)
	s.Targets = []Target{
		{Measure: "Mental wellbeing (WEMWBS)", Unit: "points", Route: "Primary care and public health", Baseline: "41.5", Target: "45.0"},
		{Measure: "Systolic blood pressure", Unit: "mmHg", Route: "NHS App", Baseline: "146", Target: "140"},
	}
	text := pdfText(t, render(t, s), 1, 3)
	assertContains(t, text, "Outcome targets", "Mental wellbeing (WEMWBS) (points) Primary care and 41.5 45.0 public health",
		"Systolic blood pressure (mmHg) NHS App 146 140")
}

func TestCompletionQuotesResults(t *testing.T) {
	s := sample(KindCompletion)
	s.Targets = []Target{{Measure: "Weight", Unit: "kg", Route: "NHS App", Baseline: "92.0", Target: "90.0", Achieved: "89.4", Met: "Yes"}}
	assertContains(t, pdfText(t, render(t, s), 1, 3), "Results against your targets", "Weight (kg) NHS App 92.0 90.0 89.4 Yes")
}

// TestOfferNamesItsTerms: an offer made on a fund's terms says so and how it
// is accepted; one without terms keeps the wording its golden hash pins.
func TestOfferNamesItsTerms(t *testing.T) {
	s := sample(KindOffer)
	terms := sampleTerms
	s.Terms = &terms
	text := pdfText(t, render(t, s), 0, 0)
	assertContains(t, text, "Grant agreement",
		"The award is made on the terms “Prevention Innovation Fund 2025 grant terms”, version 3.",
		"authorised signatory, its certifier, signing the grant agreement in fundflow",
		"Terms SHA-256 5f1c9b3e 0a7d42c8 …",
		"accepts it by signing the grant agreement")
	if strings.Contains(text, "senior responsible officer, who confirms") {
		t.Error("an offer made on terms still asks the senior responsible officer to accept")
	}

	text = pdfText(t, render(t, sample(KindOffer)), 0, 0)
	assertContains(t, text, "The acceptance should be given by your senior responsible officer")
	if strings.Contains(text, "Grant agreement") || strings.Contains(text, "SHA-256") {
		t.Error("an offer without terms mentions a grant agreement")
	}
}

// longOffer is an offer long enough to run over several pages, with a table
// split by a page break.
func longOffer() Snapshot {
	s := sample(KindOffer)
	for i := range 30 {
		s.Conditions = append(s.Conditions, fmt.Sprintf("Additional condition %d: keep the programme team informed of any change to the deployment plan, the named senior responsible officer or the information-governance position, within ten working days of the change.", i+1))
	}
	s.Milestones = nil
	for i := range 40 {
		s.Milestones = append(s.Milestones, Milestone{
			Title:         fmt.Sprintf("Monthly delivery report %d", i+1),
			DueAt:         sampleAcceptBy.AddDate(0, i+1, 0),
			DrawdownPence: 200_000,
		})
	}
	return s
}

func TestRenderLongLetter(t *testing.T) {
	s := longOffer()
	pdf := render(t, s)
	if dir := os.Getenv("LETTERS_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "offer-long.pdf"), pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	whole := pdfText(t, pdf, 0, 0)
	assertContains(t, whole, "Additional condition 30:", "Monthly delivery report 40", "Total £80,000.00 100%", "2.5%")

	pages := strings.Count(whole, "Check that this letter is genuine at")
	if pages < 3 {
		t.Fatalf("want at least 3 pages, got %d", pages)
	}
	for n := 1; n <= pages; n++ {
		page := pdfText(t, pdf, n, n)
		assertContains(t, page, fmt.Sprintf("Page %d of %d", n, pages), "content hash", s.Ref)
	}
	if got := strings.Count(whole, "Milestone Due by Drawdown Share"); got < 2 {
		t.Errorf("milestone table header printed %d times; a table across pages should repeat it", got)
	}
}

func TestRenderDeterministic(t *testing.T) {
	for _, kind := range allKinds {
		for _, renderer := range renderers {
			testRenderDeterministic(t, kind, renderer)
		}
	}
}

func testRenderDeterministic(t *testing.T, kind Kind, renderer int) {
	s := sample(kind)
	s.Renderer = renderer
	want := sha256.Sum256(render(t, s))

	// Rendering concurrently must not share state, and a snapshot whose
	// times are in another zone is the same decision.
	s.IssuedAt = s.IssuedAt.In(calendar.London)
	var wg sync.WaitGroup
	got := make([][32]byte, 4)
	for i := range got {
		wg.Go(func() {
			pdf, err := Render(s)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = sha256.Sum256(pdf)
		})
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Errorf("%s, renderer %d: render %d differs: %x != %x", kind, renderer, i, g, want)
		}
	}
}

func TestRenderDoesNotModifySnapshot(t *testing.T) {
	s := sample(KindOffer)
	s.Conditions[0] = "Keep | separate \\ lines\nintact"
	before := fmt.Sprintf("%#v", s)
	render(t, s)
	if after := fmt.Sprintf("%#v", s); after != before {
		t.Errorf("Render changed its input")
	}
}

// TestRenderEscapesData feeds markup through every kind of field a person can
// type; it must come out as text, never as structure.
func TestRenderEscapesData(t *testing.T) {
	s := sample(KindRejection)
	s.Addressee.Name = "Siân | Jones\n.h Injected heading"
	s.Addressee.Role = `Lead \ Officer`
	s.Scores[0].Criterion = "Need | reach"
	s.Feedback = ".sign Forged | Signatory\n\n.footer fake"
	s.Conditions = []string{"emoji 🙂 outside the BMP"}
	text := pdfText(t, render(t, s), 0, 0)
	assertContains(t, text,
		"Siân | Jones .h Injected heading",
		`Lead \ Officer`,
		"Need | reach 25% 3.5 / 5",
		".sign Forged | Signatory",
		".footer fake",
	)
}

// TestRenderEscapesTerms feeds the agreement's and variation's free text
// with markup, bars and words longer than a line: it prints as written and
// stays inside the margins.
func TestRenderEscapesTerms(t *testing.T) {
	long := strings.Repeat("Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", 3)
	a := sample(KindAgreement)
	a.Agreement.Terms.Title = "Telerau grant Cronfa Arloesi Atal 2025 ar gyfer byrddau iechyd " + long
	a.Agreement.Sections[0].Heading = ".footer Forged | footer"
	a.Agreement.Sections[0].Text = ".sign Forged | Signatory\n\n| a | b |\n.h Not a heading\n\n" + long
	a.Agreement.Declaration = ".p Injected \\ | paragraph"
	a.Agreement.Capacity = "Swyddog Cyllid " + long
	v := sample(KindVariation)
	v.Variation.Reason = ".kv Forged | row"
	v.Variation.Changes[0] = Change{What: "a | b", Before: ".tr x | y", After: long}
	for _, s := range []Snapshot{a, v} {
		t.Run(string(s.Kind), func(t *testing.T) {
			pdf := render(t, s)
			// pdftotext drops the narrow spaces of a table cell, and a word
			// broken across lines comes back in pieces.
			text := strings.ReplaceAll(pdfText(t, pdf, 0, 0), " ", "")
			want := []string{".kv Forged | row", "a | b", ".tr x | y", long}
			if s.Kind == KindAgreement {
				want = []string{".footer Forged | footer", ".sign Forged | Signatory", "| a | b | .h Not a heading",
					`.p Injected \ | paragraph`, "Telerau grant Cronfa Arloesi Atal 2025", long}
			}
			for _, w := range want {
				assertContains(t, text, strings.ReplaceAll(w, " ", ""))
			}
			assertInsideMargins(t, pdf)
		})
	}
}

// assertInsideMargins fails t for any word pdftotext finds outside the
// left and right margins.
func assertInsideMargins(t *testing.T, pdf []byte) {
	t.Helper()
	const mm = 72 / 25.4
	word := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)"[^>]*>([^<]*)</word>`)
	for _, m := range word.FindAllStringSubmatch(pdftest.Text(t, pdf, "-bbox"), -1) {
		xMin, _ := strconv.ParseFloat(m[1], 64)
		xMax, _ := strconv.ParseFloat(m[2], 64)
		if xMin < marginX*mm-0.5 || xMax > (pageW-marginX)*mm+0.5 {
			t.Errorf("%q runs from %.1fmm to %.1fmm, outside the margins", m[3], xMin/mm, xMax/mm)
		}
	}
}

func TestRenderRejectsInvalid(t *testing.T) {
	tests := map[string]func(*Snapshot){
		"unknown kind":         func(s *Snapshot) { s.Kind = "bribe" },
		"no ref":               func(s *Snapshot) { s.Ref = "" },
		"no issue date":        func(s *Snapshot) { s.IssuedAt = time.Time{} },
		"no addressee":         func(s *Snapshot) { s.Addressee.Name = "" },
		"no verify url":        func(s *Snapshot) { s.VerifyURL = "" },
		"negative amount":      func(s *Snapshot) { s.AmountPence = -1 },
		"offer without expiry": func(s *Snapshot) { s.AcceptBy = nil },
		"schedule short":       func(s *Snapshot) { s.Milestones[0].DrawdownPence-- },
		"schedule over":        func(s *Snapshot) { s.Milestones[0].DrawdownPence = 1 << 62 },
		"score above max":      func(s *Snapshot) { s.Scores = []Score{{Criterion: "x", Score: 6, Max: 5, Weight: 1}} },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			s := sample(KindOffer)
			mutate(&s)
			if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
				t.Fatalf("got %v, want ErrInvalidSnapshot", err)
			}
		})
	}
	s := sample(KindIneligible)
	s.FailedRules = nil
	if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
		t.Errorf("ineligible without reasons: got %v", err)
	}

	terms := map[string]func(*Snapshot){
		"offer terms without a hash": func(s *Snapshot) { s.Terms = &TermsRef{Title: "Terms", Version: 1} },
		"offer terms hash not hex":   func(s *Snapshot) { s.Terms = &TermsRef{Title: "Terms", Version: 1, SHA256: strings.Repeat("g", 64)} },
		"offer terms without title":  func(s *Snapshot) { s.Terms = &TermsRef{Version: 1, SHA256: sampleTerms.SHA256} },
	}
	for name, mutate := range terms {
		t.Run(name, func(t *testing.T) {
			s := sample(KindOffer)
			mutate(&s)
			if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
				t.Fatalf("got %v, want ErrInvalidSnapshot", err)
			}
		})
	}

	kinds := map[string]struct {
		kind   Kind
		mutate func(*Snapshot)
	}{
		"agreement without agreement":    {KindAgreement, func(s *Snapshot) { s.Agreement = nil }},
		"agreement without amount":       {KindAgreement, func(s *Snapshot) { s.AmountPence, s.Milestones = 0, nil }},
		"agreement schedule short":       {KindAgreement, func(s *Snapshot) { s.Milestones[0].DrawdownPence-- }},
		"agreement terms version":        {KindAgreement, func(s *Snapshot) { s.Agreement.Terms.Version = 0 }},
		"agreement terms hash short":     {KindAgreement, func(s *Snapshot) { s.Agreement.Terms.SHA256 = sampleTerms.SHA256[:16] }},
		"agreement without sections":     {KindAgreement, func(s *Snapshot) { s.Agreement.Sections = nil }},
		"agreement blank heading":        {KindAgreement, func(s *Snapshot) { s.Agreement.Sections[2].Heading = " \t\x00" }},
		"agreement section without text": {KindAgreement, func(s *Snapshot) { s.Agreement.Sections[1].Text = "\n\n" }},
		"agreement without declaration":  {KindAgreement, func(s *Snapshot) { s.Agreement.Declaration = "" }},
		"agreement unsigned":             {KindAgreement, func(s *Snapshot) { s.Agreement.SignedName = "" }},
		"agreement without capacity":     {KindAgreement, func(s *Snapshot) { s.Agreement.Capacity = "" }},
		"agreement undated":              {KindAgreement, func(s *Snapshot) { s.Agreement.SignedAt = time.Time{} }},
		"agreement without offer":        {KindAgreement, func(s *Snapshot) { s.Agreement.OfferRef = "" }},
		"variation without variation":    {KindVariation, func(s *Snapshot) { s.Variation = nil }},
		"variation schedule over":        {KindVariation, func(s *Snapshot) { s.Milestones[4].DrawdownPence++ }},
		"variation without id":           {KindVariation, func(s *Snapshot) { s.Variation.ID = "" }},
		"variation without reason":       {KindVariation, func(s *Snapshot) { s.Variation.Reason = " " }},
		"variation without request date": {KindVariation, func(s *Snapshot) { s.Variation.RequestedAt = time.Time{} }},
		"variation without old amount":   {KindVariation, func(s *Snapshot) { s.Variation.AmountBeforePence = 0 }},
		"variation without changes":      {KindVariation, func(s *Snapshot) { s.Variation.Changes = nil }},
		"variation change without what":  {KindVariation, func(s *Snapshot) { s.Variation.Changes[1].What = "" }},
		"variation without decisions":    {KindVariation, func(s *Snapshot) { s.Variation.Decisions = nil }},
		"variation decision undated":     {KindVariation, func(s *Snapshot) { s.Variation.Decisions[1].At = time.Time{} }},
	}
	for name, c := range kinds {
		t.Run(name, func(t *testing.T) {
			s := sample(c.kind)
			c.mutate(&s)
			_, err := Render(s)
			if !errors.Is(err, ErrInvalidSnapshot) {
				t.Fatalf("got %v, want ErrInvalidSnapshot", err)
			}
			// Messages name fields: the snapshot's people stay out of logs.
			for _, personal := range []string{s.Addressee.Name, "Rhodri", "Gwenllïan", "Eluned", "CR-0042"} {
				if strings.Contains(err.Error(), personal) {
					t.Errorf("the error quotes %q: %v", personal, err)
				}
			}
		})
	}
}

func TestContentHashIgnoresZone(t *testing.T) {
	a := sample(KindOffer)
	b := sample(KindOffer)
	b.IssuedAt = b.IssuedAt.In(calendar.London)
	accept := b.AcceptBy.In(time.FixedZone("somewhere", 5*3600))
	b.AcceptBy = &accept
	ha, _ := ContentHash(a)
	hb, _ := ContentHash(b)
	if ha != hb {
		t.Errorf("hash depends on time zone: %s != %s", ha, hb)
	}
	b.AmountPence++
	if hc, _ := ContentHash(b); hc == ha {
		t.Errorf("hash ignores the amount")
	}

	for _, kind := range []Kind{KindAgreement, KindVariation} {
		a, b := sample(kind), sample(kind)
		if kind == KindAgreement {
			b.Agreement.SignedAt = b.Agreement.SignedAt.In(calendar.London)
		} else {
			b.Variation.RequestedAt = b.Variation.RequestedAt.In(calendar.London)
			b.Variation.Decisions[0].At = b.Variation.Decisions[0].At.In(calendar.London)
		}
		before := fmt.Sprintf("%#v", b)
		ha, _ := ContentHash(a)
		hb, _ := ContentHash(b)
		if ha != hb {
			t.Errorf("%s: hash depends on time zone: %s != %s", kind, ha, hb)
		}
		if after := fmt.Sprintf("%#v", b); after != before {
			t.Errorf("%s: ContentHash changed its input", kind)
		}
	}
}

// BenchmarkRender renders the sample offer with each renderer, side by side:
// renderer 0 is what letters issued before the metadata were drawn with,
// renderer 2 what new letters get.
func BenchmarkRender(b *testing.B) {
	for _, r := range renderers {
		b.Run(fmt.Sprintf("renderer=%d", r), func(b *testing.B) {
			s := sample(KindOffer)
			s.Renderer = r
			var size int
			cpu := cpuTime()
			for b.Loop() {
				pdf, err := Render(s)
				if err != nil {
					b.Fatal(err)
				}
				size = len(pdf)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
			// Other work on a shared machine takes wall-clock time from the
			// benchmark but not CPU time, so letters per CPU-second is the
			// figure to compare across runs; at GOMAXPROCS=1 it includes
			// the garbage collector's work.
			b.ReportMetric(float64(b.N)/(cpuTime()-cpu).Seconds(), "letters/cpu-s")
			b.ReportMetric(float64(size), "bytes/letter")
		})
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestFontsCoverUKNames guards the glyphs letters rely on. pdftotext reads
// text back through the ToUnicode map, so it would return "ŷ" even if the
// font drew an empty box; only the font's own cmap can prove coverage.
func TestFontsCoverUKNames(t *testing.T) {
	const needed = "ŴŵŶŷÂâÊêÎîÔôÛûÏïËëÄäÖöÜüÁáÉéÍíÓóÚúÀàÈèÌìÒòÙù–—‘’“”•·£€\uFFFD"
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "italic": goitalic.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		for _, r := range needed {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				t.Errorf("Go %s has no glyph for %q (U+%04X)", name, r, r)
			}
		}
	}
}
