// Package webtest drives the teomq browser client (web/teomq.js) and the
// users_servers web consumer in a real headless Chromium against a real
// broker, with Go producers and consumers beside the page.
package webtest
