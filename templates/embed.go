// Package templates embeds the document templates fundflow renders, so a
// single binary carries them and a deployed letter cannot drift from the
// templates it was built and tested with.
package templates

import "embed"

// Letters holds letters/*.tmpl, the text/template sources for decision
// letters. internal/letters documents the markup they produce.
//
//go:embed letters
var Letters embed.FS

// Web holds the pages the API serves to browsers.
//
//go:embed web
var Web embed.FS

// Notifications holds notifications/*.tmpl, the text/template sources of
// each message the outbox sends, and the layouts every email is wrapped in;
// internal/notify documents them.
//
//go:embed notifications
var Notifications embed.FS
