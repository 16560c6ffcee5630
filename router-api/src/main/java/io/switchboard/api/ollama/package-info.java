/**
 * Ollama's native API as Jackson records: {@code POST /api/chat} (a JSON answer, or newline-delimited
 * JSON lines when streaming), {@code GET /api/tags}, {@code GET /api/ps}, {@code POST /api/pull}
 * progress lines and the {@code {"error": "..."}} body.
 *
 * <p>Records Ollama may extend keep unknown properties in {@code extra}, as the OpenAI records do.
 */
package io.switchboard.api.ollama;
