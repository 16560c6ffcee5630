/**
 * The Anthropic Messages API wire format ({@code POST /v1/messages}, its server-sent events, its
 * error envelope and {@code /v1/messages/count_tokens}) as Jackson records.
 *
 * <p>As in {@code io.switchboard.api.openai}, each record that Anthropic may extend carries an
 * {@code extra} map that keeps the properties it does not declare (cache_control, citations,
 * thinking, container, ...) and writes them back unchanged. Content that may be a plain string or an
 * array of blocks ({@code system}, a message's {@code content}, a tool result's {@code content}) stays
 * a {@link com.fasterxml.jackson.databind.JsonNode} so both shapes survive a round trip; {@link
 * io.switchboard.api.anthropic.MessageParam#blocks()} reads either as typed blocks.
 */
package io.switchboard.api.anthropic;
