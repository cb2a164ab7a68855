package letters

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fundflow/fundflow/internal/devtest/pdftest"
)

// golden is the SHA-256 of each sample letter under each renderer. A
// renderer's output must never change once letters have been issued with
// it: they are verified, and rebuilt, by rendering their snapshot again.
// Renderer 0's figures are those of the letters issued before renderer 1
// existed. If a change to the Go toolchain's compress/flate moves them, the
// renderer has to pin its compressor rather than the figures be updated.
// Agreements and variations came after renderer 2 and are only ever issued
// with it, so only it has their figures.
var golden = map[int]map[Kind]string{
	RendererGofpdf: {
		KindOffer:      "93d245189f2e35f0581f6380e99562caf009da9e90596e10e04e8832aa2ab6fc",
		KindRejection:  "0acc8cee8ed08e6817308e1c687fac594a179f2857edc33bc12b2a34fc38ba18",
		KindIneligible: "00f79cbfce28f80dde094b8f8cb9d738a2b34496db53313e3266e6ba1bbec83c",
		KindWaitlist:   "cbd2aec8e27fd6e9a5d19af32f38f424a6fec3c52bfd76cbf1c4dbd0e70ab25e",
		KindCompletion: "dd94332a66d8e0abe7d89fa0cffe7cce8460c84decfcf644def6ef49ef19867d",
	},
	RendererMetadata: {
		KindOffer:      "5d70577fbabb515d4a2a15ff336c5c4f966f6348b2370895bc5af4666015d6f7",
		KindRejection:  "72509d8beeef08d92efd709922f9a65008c82e811fb6c21c06e83764200879d2",
		KindIneligible: "4d7ab8f27035272a4fc41ee8afcb6bede8cca6e7b8a961a24cdf5e0800d279b4",
		KindWaitlist:   "a890f14537b92f4322ab149a523a52f06b0bd3997c49f3bdb3904fc34a83f826",
		KindCompletion: "54feadc6633d6028bcac135421d30e1cc5c2de44b4f6c833ba6ce91278d3b2cf",
		KindAgreement:  "d62ac790eda40e1e2bda59e3351db026b01dafa270bf00bc0ad4d0392ae9933b",
		KindVariation:  "b3a227ef6a44280077b383d78b4ba8f514ae840123689e2f6b5a78521565426a",
	},
}

func TestRendererGolden(t *testing.T) {
	for renderer, want := range golden {
		for kind, sha := range want {
			s := sample(kind)
			s.Renderer = renderer
			sum := sha256.Sum256(render(t, s))
			if got := hex.EncodeToString(sum[:]); got != sha {
				t.Errorf("renderer %d, %s: sha256 %s, want %s", renderer, kind, got, sha)
			}
		}
	}
}

// renderers are those Render still draws: the sample letters go through
// each.
var renderers = []int{RendererGofpdf, RendererMetadata}

// TestRenderersSameText holds renderer 2 to renderer 0's letters: the same
// text in the same places (pdftotext -layout keeps positions), long letters
// broken across the same pages, only the content hash differing, as the
// renderer is part of the snapshot it hashes.
func TestRenderersSameText(t *testing.T) {
	contentHash := regexp.MustCompile(`content hash [0-9a-f]{12}`)
	layoutText := func(t *testing.T, s Snapshot) string {
		out := pdftest.Text(t, render(t, s))
		return contentHash.ReplaceAllString(out, "content hash …")
	}
	cases := map[string]Snapshot{}
	for _, kind := range allKinds {
		cases[string(kind)] = sample(kind)
	}
	cases["long offer"] = longOffer()
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			s.Renderer = RendererGofpdf
			want := layoutText(t, s)
			s.Renderer = RendererMetadata
			if got := layoutText(t, s); got != want {
				t.Errorf("renderer 2 text differs from renderer 0\n--- renderer 0 ---\n%s\n--- renderer 2 ---\n%s", want, got)
			}
		})
	}
}

// TestEveryLetterIsASoundPDF puts every kind of letter, with each renderer
// still drawn, through qpdf's structural check, and reads back the
// metadata a reader shows and the XMP packet a scanner finds.
func TestEveryLetterIsASoundPDF(t *testing.T) {
	cases := map[string]Snapshot{"long offer": longOffer()}
	for _, kind := range allKinds {
		cases[string(kind)] = sample(kind)
	}
	for name, s := range cases {
		for _, renderer := range renderers {
			t.Run(fmt.Sprintf("%s/renderer=%d", name, renderer), func(t *testing.T) {
				s.Renderer = renderer
				pdf := render(t, s)
				pdftest.Check(t, name, pdf)
				title := titles[s.Kind]
				info := pdftest.Info(t, pdf)
				if info["Title"] != title || info["Author"] != s.Fund.Sponsor {
					t.Errorf("title %q and author %q, want %q and %q", info["Title"], info["Author"], title, s.Fund.Sponsor)
				}
				if renderer == RendererGofpdf {
					if bytes.Contains(pdf, []byte("xpacket")) {
						t.Error("renderer 0 has grown an XMP packet; its letters would no longer verify")
					}
					return
				}
				if want := "Letter reference " + s.Ref; info["Subject"] != want {
					t.Errorf("subject %q, want %q", info["Subject"], want)
				}
				x := pdftest.ReadXMP(t, pdf)
				if !slices.Equal(x.Title, []string{title}) || !slices.Equal(x.Languages, []string{"en-GB"}) {
					t.Errorf("XMP title %q and languages %q, want %q and en-GB", x.Title, x.Languages, title)
				}
			})
		}
	}
}

// titles are the sample letters' subject lines, which are their titles.
var titles = map[Kind]string{
	KindOffer:      "Offer of funding from the Prevention Innovation Fund 2025",
	KindRejection:  "Outcome of your application to the Prevention Innovation Fund 2025",
	KindIneligible: "Eligibility outcome of your application to the Prevention Innovation Fund 2025",
	KindWaitlist:   "Your application to the Prevention Innovation Fund 2025: waiting list",
	KindCompletion: "Completion of your Prevention Innovation Fund 2025 award",
	KindAgreement:  "Grant agreement for Prevention Innovation Fund 2025",
	KindVariation:  "Variation to your award from the Prevention Innovation Fund 2025",
}

func TestRendererIsPartOfTheSnapshot(t *testing.T) {
	s := sample(KindOffer)
	s.Renderer = RendererGofpdf
	old, _ := ContentHash(s)
	canon, _ := canonical(s)
	if strings.Contains(string(canon), "renderer") {
		t.Errorf("a renderer-0 snapshot's canonical JSON names the renderer, so older letters' content hashes would move: %s", canon)
	}
	s.Renderer = RendererLatest
	if h, _ := ContentHash(s); h == old {
		t.Errorf("the content hash ignores the renderer")
	}
	s.Renderer = RendererLatest + 1
	if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
		t.Errorf("unknown renderer: got %v, want ErrInvalidSnapshot", err)
	}
}

// TestRetiredRendererIsRefused: a renderer-1 letter is never drawn by
// another renderer, which would give it bytes its recorded hash refuses;
// the refusal says what to do.
func TestRetiredRendererIsRefused(t *testing.T) {
	for _, kind := range allKinds {
		s := sample(kind)
		s.Renderer = RendererSubset
		pdf, err := Render(s)
		if !errors.Is(err, ErrRetiredRenderer) || pdf != nil {
			t.Fatalf("%s, renderer 1: %d bytes, %v; want ErrRetiredRenderer", kind, len(pdf), err)
		}
		if msg := err.Error(); !strings.Contains(msg, "development data") || !strings.Contains(msg, "start fundflow dev on a fresh data directory") {
			t.Errorf("the refusal does not name the fix: %s", msg)
		}
	}
}
