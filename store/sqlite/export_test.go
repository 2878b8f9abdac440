package sqlite

import "database/sql/driver"

// WithConnector makes the store open its connections through wrap(c), where c
// is the connector it would use otherwise, so that a test can see every
// statement the store sends, through bun or not. It exists for the tests
// only.
func WithConnector(wrap func(c driver.Connector) driver.Connector) Option {
	return func(o *options) { o.wrapConnector = wrap }
}
