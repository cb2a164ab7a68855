// Package apiclient is the web's client of fundflow's HTTP API, generated
// by oapi-codegen from api/openapi.json: a method per operation, named by
// its operationId, and a type per component schema. The settings are in
// config.yaml, and overlay.yaml adds what only Go needs (which optional
// members keep a pointer, which schemas are domain types) without putting
// it in the public document.
//
// Regenerate after changing the document:
//
//	go generate ./web/apiclient
//
// TestGeneratedClientIsCurrent fails while the committed code differs from
// what the document generates.
//
// It imports oapi-codegen's runtime and the two domain types the overlay
// names, never the api package it is a client of: the document is the
// only contract between them.
package apiclient

//go:generate go tool oapi-codegen -config config.yaml ../../api/openapi.json
