package io.switchboard.exchange;

/** A wire protocol a client speaks to the gateway, and so the dialect its answer must be written in. */
public enum Dialect {
  /** OpenAI's chat completions: {@code POST /v1/chat/completions}. */
  OPENAI,
  /** Anthropic's Messages: {@code POST /v1/messages}. */
  ANTHROPIC
}
