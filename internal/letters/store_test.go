package letters

import (
	"context"
	"testing"

	"github.com/fundflow/fundflow/internal/adapter/blob"
)

func TestStoreRoundTripsLetters(t *testing.T) {
	ctx := context.Background()
	u, err := blob.FileURL(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := blob.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var st Store = b.Space(Space)
	pdf := render(t, sample(KindOffer))
	hash, err := st.Put(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.Put(ctx, render(t, sample(KindOffer)))
	if err != nil || again != hash {
		t.Errorf("re-rendering the same decision stored %q, %v; want %q", again, err, hash)
	}
	got, err := st.Get(ctx, hash)
	if err != nil || string(got) != string(pdf) {
		t.Errorf("Get = %d bytes, %v", len(got), err)
	}
}
