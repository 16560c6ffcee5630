package io.switchboard.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.anthropic.ContentBlock;
import io.switchboard.api.anthropic.MessageParam;
import io.switchboard.api.anthropic.Tool;
import java.util.List;

/**
 * A documented estimate of prompt tokens for models whose tokenizer the gateway does not have
 * (Anthropic's is not public): one token per four characters of text, rounded up, which is the rule
 * of thumb both Anthropic and OpenAI give for English; plus {@value #PER_MESSAGE} tokens of framing
 * per message, {@value #PER_IMAGE} per image (Anthropic's figure for an image of about 1.15
 * megapixels, the size it scales larger images down to), and tool definitions and tool inputs counted
 * as their JSON text. It errs towards counting more, which is the safe side for context checks.
 */
public final class TokenEstimate {
  /** Characters per token in the estimate. */
  public static final int CHARS_PER_TOKEN = 4;
  /** Tokens of role and turn framing counted for each message. */
  public static final int PER_MESSAGE = 4;
  /** Tokens counted for each image. */
  public static final int PER_IMAGE = 1600;

  private TokenEstimate() {}

  /** Tokens of a piece of text. */
  public static int ofText(String text) {
    if (text == null || text.isEmpty()) return 0;
    int chars = text.codePointCount(0, text.length());
    return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
  }

  /** Tokens of an Anthropic prompt: system, messages and tool definitions. */
  public static int ofAnthropicPrompt(JsonNode system, List<MessageParam> messages, List<Tool> tools) {
    int tokens = ofBlocks(ContentBlock.listOf(system));
    if (messages != null) {
      for (MessageParam message : messages) tokens += PER_MESSAGE + ofBlocks(message.blocks());
    }
    if (tools != null) {
      for (Tool tool : tools) {
        tokens += ofText(tool.name()) + ofText(tool.description())
            + (tool.inputSchema() == null ? 0 : ofText(tool.inputSchema().toString()));
      }
    }
    return tokens;
  }

  private static int ofBlocks(List<ContentBlock> blocks) {
    int tokens = 0;
    for (ContentBlock block : blocks) {
      String type = block.type() == null ? "" : block.type();
      switch (type) {
        case ContentBlock.TEXT -> tokens += ofText(block.text());
        case ContentBlock.IMAGE -> tokens += PER_IMAGE;
        case ContentBlock.TOOL_USE -> tokens += ofText(block.name())
            + (block.input() == null ? 0 : ofText(block.input().toString()));
        case ContentBlock.TOOL_RESULT -> tokens += ofBlocks(ContentBlock.listOf(block.content()));
        default -> tokens += ofText(block.extra().toString());
      }
    }
    return tokens;
  }
}
