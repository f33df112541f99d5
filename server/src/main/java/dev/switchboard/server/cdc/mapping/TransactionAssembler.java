package dev.switchboard.server.cdc.mapping;

import dev.switchboard.server.cdc.ChangeMessage;
import dev.switchboard.server.cdc.Lsn;
import dev.switchboard.server.cdc.config.Operation;
import dev.switchboard.server.cdc.pgoutput.ColumnValue;
import dev.switchboard.server.cdc.pgoutput.ReplicationMessage;
import dev.switchboard.server.cdc.pgoutput.ReplicationMessage.Relation;
import dev.switchboard.server.cdc.pgoutput.TupleData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the decoded messages of one replication session into {@link CommittedTransaction}s:
 * remembers relations, maps each row change to its targets, builds payloads and ids.
 *
 * <p><b>Complete UPDATE rows.</b> PostgreSQL leaves an unchanged TOASTed (large, out-of-line)
 * column out of an UPDATE's WAL record; pgoutput then marks it "unchanged". The connector sets
 * {@code REPLICA IDENTITY FULL} on every table mapped for UPDATE or DELETE, so the WAL record
 * also carries the complete old row, and such columns are filled in from it. (If the identity is
 * changed back by hand the column is left out and a warning is logged.)
 *
 * <p>Message id: {@code <slot>:<commitLsn>:<changeIndex>:<targetIndex>}, where changeIndex counts
 * every row change of the transaction on a published table, mapped or not, and targetIndex is
 * the position of the channel among the change's targets in config order.
 *
 * <p>Not thread-safe: one instance per replication session, used from the reading thread.
 */
public final class TransactionAssembler {

    private static final Logger LOG = LoggerFactory.getLogger(TransactionAssembler.class);

    private final String slotName;
    private final ChangeMapper mapper;
    private final TypeCatalog types;
    private final Map<Integer, Relation> relations = new HashMap<>();
    private final Set<String> warnedTables = new HashSet<>();

    private ReplicationMessage.Begin begin;
    private final List<ChangeMessage> messages = new ArrayList<>();
    private int changeIndex;

    public TransactionAssembler(String slotName, ChangeMapper mapper, TypeCatalog types) {
        this.slotName = slotName;
        this.mapper = mapper;
        this.types = types;
    }

    /** Feeds one message; returns the transaction when {@code message} is its commit. */
    public Optional<CommittedTransaction> accept(ReplicationMessage message) {
        // Java 17: no pattern matching for switch yet, so an instanceof chain.
        if (message instanceof ReplicationMessage.Begin b) {
            begin = b;
            messages.clear();
            changeIndex = 0;
        } else if (message instanceof Relation r) {
            relations.put(r.relationId(), r);
        } else if (message instanceof ReplicationMessage.Insert i) {
            row(i.relationId(), Operation.INSERT, i.newRow());
        } else if (message instanceof ReplicationMessage.Update u) {
            row(u.relationId(), Operation.UPDATE, completed(u));
        } else if (message instanceof ReplicationMessage.Delete d) {
            row(d.relationId(), Operation.DELETE, d.oldRow());
        } else if (message instanceof ReplicationMessage.Truncate t) {
            t.relationIds().forEach(id -> row(id, Operation.TRUNCATE, null));
        } else if (message instanceof ReplicationMessage.Commit c) {
            requireInTransaction(c);
            CommittedTransaction tx = new CommittedTransaction(c.commitLsn(), c.endLsn(), c.commitTime(), messages);
            begin = null;
            messages.clear();
            return Optional.of(tx);
        }
        // Type, Origin and Message need no action: the catalog resolves type OIDs.
        return Optional.empty();
    }

    /** True between a Begin and its Commit. */
    public boolean inTransaction() {
        return begin != null;
    }

    private TupleData completed(ReplicationMessage.Update update) {
        TupleData row = update.newRow();
        if (!row.values().contains(ColumnValue.UNCHANGED_TOAST)) {
            return row;
        }
        List<ColumnValue> values = new ArrayList<>(row.values());
        Optional<TupleData> old = update.oldRow().filter(o -> !update.oldIsKeyOnly());
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == ColumnValue.UNCHANGED_TOAST && old.isPresent() && i < old.get().size()) {
                values.set(i, old.get().get(i));
            }
        }
        return new TupleData(values);
    }

    private void row(int relationId, Operation operation, TupleData tuple) {
        requireInTransaction(operation);
        Relation relation = relations.get(relationId);
        if (relation == null) {
            throw new IllegalStateException("change for relation " + relationId + " before its Relation message");
        }
        int index = changeIndex++;
        List<ChangeMapper.Target> targets = mapper.targets(relation.schema(), relation.table(), operation);
        if (targets.isEmpty()) {
            return;
        }
        String data = PayloadWriter.write(relation.schema(), relation.table(), operation, fields(relation, tuple),
                begin.finalLsn(), begin.commitTime());
        for (int t = 0; t < targets.size(); t++) {
            ChangeMapper.Target target = targets.get(t);
            String id = slotName + ":" + begin.finalLsn() + ":" + index + ":" + t;
            messages.add(new ChangeMessage(target.channel(), id, target.messageName(), data));
        }
    }

    private List<PayloadWriter.Field> fields(Relation relation, TupleData tuple) {
        if (tuple == null) {
            return null;
        }
        List<PayloadWriter.Field> fields = new ArrayList<>(relation.columns().size());
        for (int i = 0; i < relation.columns().size() && i < tuple.size(); i++) {
            ReplicationMessage.Column column = relation.columns().get(i);
            ColumnValue value = tuple.get(i);
            if (value instanceof ColumnValue.Text t) {
                fields.add(new PayloadWriter.Field(column.name(), types.typeOf(column.typeOid()), t.text()));
            } else if (value instanceof ColumnValue.Null) {
                fields.add(new PayloadWriter.Field(column.name(), ValueType.TEXT, null));
            } else {
                warnIncomplete(relation, column);
            }
        }
        return fields;
    }

    private void warnIncomplete(Relation relation, ReplicationMessage.Column column) {
        if (warnedTables.add(relation.schema() + "." + relation.table())) {
            LOG.warn("UPDATE on {}.{} left out unchanged TOASTed column {}: the table's REPLICA IDENTITY is not FULL",
                    relation.schema(), relation.table(), column.name());
        }
    }

    private void requireInTransaction(Object what) {
        if (begin == null) {
            throw new IllegalStateException(what + " outside a transaction");
        }
    }
}
