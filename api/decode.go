package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/fundflow/fundflow"
)

// maxBody bounds every request body; API.md promises 413 above it.
const maxBody = 1 << 20

// decode reads exactly one JSON value into v, refusing unknown fields, wrong
// types and trailing data, so a typo in a field name is an error rather than
// a silently ignored input.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// JSON is UTF-8 (RFC 8259 §8.1); a body declared as anything else
		// would be misread, so it is refused rather than guessed at.
		mt, params, err := mime.ParseMediaType(ct)
		cs, hasCharset := params["charset"]
		if err != nil || mt != "application/json" || hasCharset && !strings.EqualFold(cs, "utf-8") {
			return fundflow.Errorf(fundflow.EUNSUPPORTEDMEDIATYPE, "send the body as application/json in UTF-8")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return fundflow.Errorf(fundflow.EMALFORMED, "the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typeErr  *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return fundflow.Errorf(fundflow.ETOOLARGE, "the body is larger than %d bytes", maxBody)
	case errors.Is(err, io.EOF):
		return fundflow.Errorf(fundflow.EMALFORMED, "the body is empty; send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return fundflow.Errorf(fundflow.EMALFORMED, "the body is not valid JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(body)"
		}
		return &fundflow.Error{
			Code:    fundflow.EMALFORMED,
			Message: "a field has the wrong type",
			Fields:  []fundflow.FieldError{{Field: field, Message: fmt.Sprintf("must be %s", jsonKind(typeErr.Type.Kind().String()))}},
		}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &fundflow.Error{
			Code:    fundflow.EMALFORMED,
			Message: "the body has a field this endpoint does not accept",
			Fields:  []fundflow.FieldError{{Field: name, Message: "unknown field"}},
		}
	}
	return fundflow.Errorf(fundflow.EMALFORMED, "the body could not be read as JSON")
}

// jsonKind names Go kinds the way a JSON client thinks of them.
func jsonKind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "of another type"
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
