package dev.switchboard.server.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.server.config.SettingsException;
import dev.switchboard.server.protocol.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RulesConfigTest {
    private static final RuleFunctions FUNCTIONS = new RuleFunctions().register("chat-persistence", e -> CompletableFuture.completedFuture(null));

    static JsonNode json(String text) {
        try {
            return WireFormat.jsonMapper().readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void parsesTheDocumentedExamples() {
        List<Rule> rules = RulesConfig.parse(json("""
                {'rules': [
                  {'id':'chat-persist','channelFilter':'^outgoing-chat$','source':'channel.message','enveloped':true,
                   'target':{'type':'function','name':'chat-persistence'},
                   'retry':{'maxAttempts':8,'initialBackoffMs':100,'maxBackoffMs':10000}},
                  {'id':'hook','channelFilter':'^orders:','source':'channel.message',
                   'target':{'type':'webhook','url':'http://127.0.0.1:9000/hook','signingKey':'secret','timeoutMs':5000,'headers':{'X-Custom':'v'}}}
                ]}"""), FUNCTIONS);

        assertThat(rules).hasSize(2);
        Rule chat = rules.get(0);
        assertThat(chat.id()).isEqualTo("chat-persist");
        assertThat(chat.source()).isEqualTo(RuleSource.CHANNEL_MESSAGE);
        assertThat(chat.enveloped()).isTrue();
        assertThat(chat.target()).isEqualTo(new RuleTarget.Function("chat-persistence", RulesConfig.DEFAULT_FUNCTION_TIMEOUT_MS));
        assertThat(chat.retry()).isEqualTo(new RetryPolicy(8, 100, 10_000, RetryPolicy.DEFAULT.jitter()));
        assertThat(chat.queueLimit()).isEqualTo(RulesConfig.DEFAULT_QUEUE_LIMIT);
        assertThat(chat.matches(RuleSource.CHANNEL_MESSAGE, "outgoing-chat")).isTrue();
        assertThat(chat.matches(RuleSource.CHANNEL_MESSAGE, "outgoing-chat2")).isFalse();
        assertThat(chat.matches(RuleSource.CHANNEL_PRESENCE, "outgoing-chat")).isFalse();

        Rule hook = rules.get(1);
        RuleTarget.Webhook w = (RuleTarget.Webhook) hook.target();
        assertThat(w.url().toString()).isEqualTo("http://127.0.0.1:9000/hook");
        assertThat(w.signingKey()).isEqualTo("secret");
        assertThat(w.timeoutMs()).isEqualTo(5000);
        assertThat(w.headers()).containsExactly(java.util.Map.entry("X-Custom", "v"));
        assertThat(w.toString()).doesNotContain("secret");
        assertThat(hook.enveloped()).isTrue();
        assertThat(hook.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(hook.matches(RuleSource.CHANNEL_MESSAGE, "orders:42")).isTrue();
        assertThat(hook.matches(RuleSource.CHANNEL_MESSAGE, "x-orders:42")).isFalse();
    }

    @Test
    void filterUsesFindSoUnanchoredPatternsMatchAnywhere() {
        Rule r = RulesConfig.parse(json("{'rules':[{'id':'a','channelFilter':'chat','source':'channel.presence','enveloped':false,"
                + "'target':{'type':'webhook','url':'https://example.test/x'},'queueLimit':5}]}"), null).get(0);
        assertThat(r.matches(RuleSource.CHANNEL_PRESENCE, "my-chat-room")).isTrue();
        assertThat(r.enveloped()).isFalse();
        assertThat(r.queueLimit()).isEqualTo(5);
        assertThat(((RuleTarget.Webhook) r.target()).signingKey()).isNull();
    }

    @Test
    void beforePublishRulesDefaultToAShortTimeoutAndAfterPublishStaysTheDefault() {
        List<Rule> rules = RulesConfig.parse(json("{'rules':[{'id':'gate','channelFilter':'^chat$','invocation':'beforePublish',"
                + "'target':{'type':'function','name':'chat-persistence'}},{'id':'later','channelFilter':'x','target':{'type':'function','name':'chat-persistence'}}]}"), FUNCTIONS);
        assertThat(rules.get(0).invocation()).isEqualTo(Invocation.BEFORE_PUBLISH);
        assertThat(((RuleTarget.Function) rules.get(0).target()).timeoutMs()).isEqualTo(2_000);
        assertThat(rules.get(1).invocation()).isEqualTo(Invocation.AFTER_PUBLISH);
        assertThat(((RuleTarget.Function) rules.get(1).target()).timeoutMs()).isEqualTo(30_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            unknown invocation   | 'invocation':'sometimes'                                 | rules[0].invocation': unknown invocation 'sometimes' (expected beforePublish or afterPublish)
            presence before      | 'invocation':'beforePublish','source':'channel.presence' | rules[0].source': a beforePublish rule takes channel.message only
            retry before         | 'invocation':'beforePublish','retry':{'maxAttempts':2}   | rules[0].retry': applies to afterPublish rules only
            queueLimit before    | 'invocation':'beforePublish','queueLimit':3              | rules[0].queueLimit': applies to afterPublish rules only
            """)
    void invalidInvocationsNameTheKey(String name, String extra, String message) {
        assertThatThrownBy(() -> RulesConfig.parse(json("{'rules':[{'id':'a','channelFilter':'x','target':{'type':'function','name':'chat-persistence'},"
                + extra + "}]}"), FUNCTIONS)).isInstanceOf(SettingsException.class).hasMessageContaining(message);
    }

    @Test
    void noRulesKeyMeansNoRules() {
        assertThat(RulesConfig.parse(MissingNode.getInstance(), FUNCTIONS)).isEmpty();
        assertThat(RulesConfig.parse(json("{'port': 1}"), FUNCTIONS)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            rules not an array      | {'rules': {}}                                                                                              | 'rules'
            rule not an object      | {'rules': [1]}                                                                                             | 'rules[0]'
            missing id              | {'rules': [{'channelFilter':'x','target':{'type':'webhook','url':'http://h/'}}]}                          | 'rules[0].id'
            blank id                | {'rules': [{'id':' ','channelFilter':'x','target':{'type':'webhook','url':'http://h/'}}]}                 | 'rules[0].id'
            duplicate id            | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'}},{'id':'a','channelFilter':'y','target':{'type':'webhook','url':'http://h/'}}]} | 'rules[1].id'
            bad regex               | {'rules': [{'id':'a','channelFilter':'(unclosed','target':{'type':'webhook','url':'http://h/'}}]}         | 'rules[0].channelFilter'
            missing filter          | {'rules': [{'id':'a','target':{'type':'webhook','url':'http://h/'}}]}                                     | 'rules[0].channelFilter'
            unknown source          | {'rules': [{'id':'a','channelFilter':'x','source':'channel.lifecycle','target':{'type':'webhook','url':'http://h/'}}]} | 'rules[0].source'
            enveloped not boolean   | {'rules': [{'id':'a','channelFilter':'x','enveloped':'yes','target':{'type':'webhook','url':'http://h/'}}]} | 'rules[0].enveloped'
            missing target          | {'rules': [{'id':'a','channelFilter':'x'}]}                                                               | 'rules[0].target'
            unknown target type     | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'lambda','name':'f'}}]}                         | 'rules[0].target.type'
            missing url             | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook'}}]}                                    | 'rules[0].target.url'
            relative url            | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'/hook'}}]}                      | 'rules[0].target.url'
            ftp url                 | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'ftp://h/x'}}]}                  | 'rules[0].target.url'
            malformed url           | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/ a b'}}]}              | 'rules[0].target.url'
            zero timeout            | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/','timeoutMs':0}}]}    | 'rules[0].target.timeoutMs'
            header not a string     | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/','headers':{'X-A':1}}}]} | 'rules[0].target.headers.X-A'
            empty signing key       | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/','signingKey':''}}]}  | 'rules[0].target.signingKey'
            missing function name   | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'function'}}]}                                   | 'rules[0].target.name'
            unknown function        | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'function','name':'nope'}}]}                     | 'rules[0].target.name'
            unknown rule key        | {'rules': [{'id':'a','channelFilter':'x','chanelFilter':'y','target':{'type':'webhook','url':'http://h/'}}]} | 'rules[0].chanelFilter'
            unknown target key      | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'function','name':'chat-persistence','url':'http://h/'}}]} | 'rules[0].target.url'
            zero attempts           | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'},'retry':{'maxAttempts':0}}]} | 'rules[0].retry.maxAttempts'
            backoff cap below start | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'},'retry':{'initialBackoffMs':500,'maxBackoffMs':100}}]} | 'rules[0].retry.maxBackoffMs'
            jitter out of range     | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'},'retry':{'jitter':2}}]} | 'rules[0].retry.jitter'
            fractional attempts     | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'},'retry':{'maxAttempts':2.5}}]} | 'rules[0].retry.maxAttempts'
            zero queue limit        | {'rules': [{'id':'a','channelFilter':'x','target':{'type':'webhook','url':'http://h/'},'queueLimit':0}]}    | 'rules[0].queueLimit'
            """)
    void errorsNameTheOffendingKey(String why, String config, String key) {
        assertThatThrownBy(() -> RulesConfig.parse(json(config), FUNCTIONS))
                .isInstanceOf(SettingsException.class)
                .hasMessageStartingWith("config key " + key + ": ");
    }

    @Test
    void unknownFunctionErrorListsTheRegisteredOnes() {
        assertThatThrownBy(() -> RulesConfig.parse(json("{'rules':[{'id':'a','channelFilter':'x','target':{'type':'function','name':'nope'}}]}"), FUNCTIONS))
                .hasMessage("config key 'rules[0].target.name': no rule function named 'nope' is registered (known: [chat-persistence])");
    }

    @Test
    void registryRefusesDuplicateNames() {
        RuleFunctions f = new RuleFunctions().register("x", e -> null);
        assertThatThrownBy(() -> f.register("x", e -> null)).isInstanceOf(IllegalStateException.class).hasMessageContaining("'x'");
        assertThat(f.names()).containsExactly("x");
    }
}
