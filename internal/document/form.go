package document

import (
	"bytes"
	"mime/multipart"
)

// Form is the multipart body an upload is sent as: the file under the
// field "file" named name, and its kind when given. It returns the body
// and its Content-Type, boundary included.
func Form(name, kind string, data []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if kind != "" {
		_ = w.WriteField("kind", kind) // writes to a bytes.Buffer cannot fail
	}
	f, _ := w.CreateFormFile("file", name)
	_, _ = f.Write(data)
	_ = w.Close()
	return b.Bytes(), w.FormDataContentType()
}
