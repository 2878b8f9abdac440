// Package examples holds programs that show the library at work; see
// examples/server, the example server a newcomer starts first and that the
// end-to-end tests drive. Nothing here is part of the library's API.
package examples
