package io.switchboard.api.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ErrorResponseTest {

  @Test
  void envelope_writesAllFourFieldsWithNulls() throws Exception {
    ErrorResponse error = ErrorResponse.of("Unknown model: gpt-9", "invalid_request_error",
        null, null);

    assertEquals("{\"error\":{\"message\":\"Unknown model: gpt-9\","
            + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}",
        RoundTrip.MAPPER.writeValueAsString(error));
  }

  @Test
  void envelope_keepsNullsEvenUnderANonNullMapper() throws Exception {
    ObjectMapper nonNull = OpenAiJson.newMapper()
        .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

    assertEquals("{\"error\":{\"message\":\"m\",\"type\":\"t\",\"param\":null,\"code\":null}}",
        nonNull.writeValueAsString(ErrorResponse.of("m", "t", null, null)));
  }

  @Test
  void upstreamError_parsesAndIgnoresUnknownKeys() throws Exception {
    ErrorResponse error = new ObjectMapper().readValue("""
        {"error": {"message": "Rate limit reached", "type": "requests",
             "param": null, "code": "rate_limit_exceeded", "retry_after": 2}}
        """, ErrorResponse.class);

    assertEquals(new ErrorDetail("Rate limit reached", "requests", null,
        "rate_limit_exceeded"), error.error());
  }
}
