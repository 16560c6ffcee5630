/**
 * The OpenAI chat-completions wire format as Jackson records.
 *
 * <p>The gateway only interprets a handful of fields, but OpenAI keeps adding parameters. So every
 * request and response record carries an {@code extra} map that collects the properties it does not
 * declare and writes them back unchanged; a client using a parameter newer than the gateway still
 * gets it delivered upstream.
 */
package io.switchboard.api.openai;
