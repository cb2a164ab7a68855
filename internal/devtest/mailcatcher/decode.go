package mailcatcher

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
)

func quotedPrintable(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

// base64Reader decodes a base64 body, which mail wraps at 76 columns.
func base64Reader(r io.Reader) io.Reader {
	b, err := io.ReadAll(r)
	if err != nil {
		return strings.NewReader("")
	}
	clean := strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
	return base64.NewDecoder(base64.StdEncoding, strings.NewReader(clean))
}
