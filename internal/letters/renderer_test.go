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
		KindOffer:      "23bc864ee0ca1a3125136b8a48d29e463df0d23a52db4e4ad5a363553f735a04",
		KindRejection:  "cbc6a9309ce904b48ecb48a394a7f3803b18510e9d49820d393a0596b2bbb88d",
		KindIneligible: "de2da147bd64d8ccb9c9ebfd0cddcc66af358dbcee3c9d5d28309ad36a6031fc",
		KindWaitlist:   "2a60dc756efb7be06c28a7efe3cffada23c776bdbbca823cdd2fc99f5d02ae3d",
		KindCompletion: "fd5fc96376870e8bd623e17621abfda91c93d31a31ae900441b387b7fcc24a90",
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
