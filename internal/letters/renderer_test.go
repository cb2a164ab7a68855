package letters

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// golden is the SHA-256 of each sample letter under each renderer. A
// renderer's output must never change once letters have been issued with
// it: they are verified, and rebuilt, by rendering their snapshot again.
// Renderer 0's figures are those of the letters issued before renderer 1
// existed. If a change to the Go toolchain's compress/flate moves them, the
// renderer has to pin its compressor rather than the figures be updated.
var golden = map[int]map[Kind]string{
	RendererGofpdf: {
		KindOffer:      "93d245189f2e35f0581f6380e99562caf009da9e90596e10e04e8832aa2ab6fc",
		KindRejection:  "0acc8cee8ed08e6817308e1c687fac594a179f2857edc33bc12b2a34fc38ba18",
		KindIneligible: "00f79cbfce28f80dde094b8f8cb9d738a2b34496db53313e3266e6ba1bbec83c",
		KindWaitlist:   "cbd2aec8e27fd6e9a5d19af32f38f424a6fec3c52bfd76cbf1c4dbd0e70ab25e",
		KindCompletion: "dd94332a66d8e0abe7d89fa0cffe7cce8460c84decfcf644def6ef49ef19867d",
	},
	RendererSubset: {
		KindOffer:      "1082a724997d53b3ab62edab1a3c6e1ecfc5c468a631c58ea9d640869a327462",
		KindRejection:  "61c91f0e3a00c98b6445a26a8769df3879ea0598d266b81db3deb580e7196930",
		KindIneligible: "06f3e7bd5f50b95e00275fe0f2b7d33e646aebbd3e31dddc1c300f602156c4a9",
		KindWaitlist:   "983235fb9a762ed44f8323bfb26a99e003a115f536430f41674b6dae34bf7d39",
		KindCompletion: "bb47a8f11aae80ecd8990a8e0f22307d7443e3503b8ee2624b1693171fa1c44e",
	},
}

func TestRendererGolden(t *testing.T) {
	for renderer, want := range golden {
		for _, kind := range allKinds {
			s := sample(kind)
			s.Renderer = renderer
			sum := sha256.Sum256(render(t, s))
			if got := hex.EncodeToString(sum[:]); got != want[kind] {
				t.Errorf("renderer %d, %s: sha256 %s, want %s", renderer, kind, got, want[kind])
			}
		}
	}
}

// TestRenderersSameText holds renderer 1 to renderer 0's letters: the same
// text in the same places (pdftotext -layout keeps positions), long letters
// broken across the same pages, only the content hash differing, as the
// renderer is part of the snapshot it hashes.
func TestRenderersSameText(t *testing.T) {
	contentHash := regexp.MustCompile(`content hash [0-9a-f]{12}`)
	layoutText := func(t *testing.T, s Snapshot) string {
		out := pdfLayoutText(t, render(t, s))
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
			s.Renderer = RendererSubset
			if got := layoutText(t, s); got != want {
				t.Errorf("renderer 1 text differs from renderer 0\n--- renderer 0 ---\n%s\n--- renderer 1 ---\n%s", want, got)
			}
		})
	}
}

func TestRendererIsPartOfTheSnapshot(t *testing.T) {
	s := sample(KindOffer)
	old, _ := ContentHash(s)
	canon, _ := canonical(s)
	if strings.Contains(string(canon), "renderer") {
		t.Errorf("a renderer-0 snapshot's canonical JSON names the renderer, so older letters' content hashes would move: %s", canon)
	}
	s.Renderer = RendererSubset
	if h, _ := ContentHash(s); h == old {
		t.Errorf("the content hash ignores the renderer")
	}
	s.Renderer = RendererLatest + 1
	if _, err := Render(s); !errors.Is(err, ErrInvalidSnapshot) {
		t.Errorf("unknown renderer: got %v, want ErrInvalidSnapshot", err)
	}
}
