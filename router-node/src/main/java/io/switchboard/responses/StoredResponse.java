package io.switchboard.responses;

import io.switchboard.JsonSerializable;

/**
 * One Responses-API response kept for {@code previous_response_id}, {@code GET /v1/responses/{id}} and
 * {@code GET /v1/responses/{id}/input_items}.
 *
 * @param id the response's id ({@code resp_...})
 * @param owner the id of the API key that created it; only that key may read or delete it
 * @param createdAtEpochSecond when it was created
 * @param previousResponseId the response this one continued, or {@code null}
 * @param inputItems this turn's input as a JSON array of Responses input items (a string input
 *     becomes one user message item); instructions are not carried over and not included
 * @param response the Response object as returned to the client, as JSON (its {@code output} holds
 *     the output items the next turn continues from)
 */
public record StoredResponse(String id, String owner, long createdAtEpochSecond, String previousResponseId,
    String inputItems, String response) implements JsonSerializable {}
