package api

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
)

// BenchmarkUpload measures POST /documents end to end in the API (the
// multipart read, content sniffing, hashing and the blob write to a
// file:// store, with Temporal stood in), beside the bare blob write of
// the same bytes as the baseline. MB/s is the throughput.
func BenchmarkUpload(b *testing.B) {
	for _, size := range []int{1 << 20, 20 << 20} {
		data := append([]byte("%PDF-1.7\n"), make([]byte, size-9)...)
		b.Run(fmt.Sprintf("api/%dMiB", size>>20), func(b *testing.B) {
			h := newDocsHarness(b, 0)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				// Fresh bytes each time, so no upload finds its object there.
				fill(data[9:], i)
				ct, body := form(b, "plan.pdf", data)
				if rec := h.send(http.MethodPost, "/v1/applications/app_quy/documents", h.quy, "", ct, body); rec.Code != 201 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
		b.Run(fmt.Sprintf("blob-baseline/%dMiB", size>>20), func(b *testing.B) {
			h := newDocsHarness(b, 0)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				fill(data[9:], i)
				if _, err := h.store.Put(context.Background(), bytes.Clone(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fill(p []byte, seed int) {
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	for i := 0; i+8 <= len(p); i += 4096 {
		p[i] = byte(r.Uint32())
	}
}
