package io.shardgate.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.shardgate.proxy.protocol.MalformedPacketException;
import io.shardgate.proxy.protocol.Packets;
import io.shardgate.proxy.protocol.ServerStatus;
import io.shardgate.proxy.protocol.Wire;

/**
 * Follows a backend's response packet by packet and says when it is complete, looking only at packet
 * headers and first bytes, never decoding rows. This is what lets the proxy relay results unchanged.
 *
 * <pre>
 * RESULT:     FIRST -(OK/ERR)-> done, or FIRST -(OK with MORE_RESULTS)-> FIRST
 *             FIRST -(column count n)-> n column definitions -> [EOF unless DEPRECATE_EOF] -> rows
 *             rows -(EOF, or OK with 0xFE header)-> done or FIRST (MORE_RESULTS); rows -(ERR)-> done
 * </pre>
 * A physical packet of exactly 0xFFFFFF bytes continues in the next one; continuations are never classified.
 */
public final class ResponseTracker {
    private enum State { IDLE, FIRST, COLUMNS, COLUMNS_EOF, ROWS, FIELDS, PREP_PARAMS, PREP_PARAMS_EOF, PREP_COLUMNS, PREP_COLUMNS_EOF }

    private final boolean deprecateEof;
    private State state = State.IDLE;
    private ResponseKind kind;
    private long columnsLeft;
    /** PREPARE: definitions still expected (parameters, then columns). */
    private int paramsLeft;
    private int prepColumnsLeft;
    private boolean continuing;
    private int status;
    private int errorCode;
    private long lastInsertId;
    private int warnings;

    public ResponseTracker(boolean deprecateEof) {
        this.deprecateEof = deprecateEof;
    }

    public void start(ResponseKind kind) {
        if (state != State.IDLE) {
            throw new IllegalStateException("a response is already being tracked");
        }
        this.kind = kind;
        this.state = kind == ResponseKind.FIELD_LIST ? State.FIELDS : State.FIRST;
        this.continuing = false;
        this.status = 0;
        this.errorCode = 0;
        this.lastInsertId = 0;
        this.warnings = 0;
    }

    public boolean idle() {
        return state == State.IDLE;
    }

    /** Server status of the last OK/EOF seen (valid once complete). */
    public int status() {
        return status;
    }

    /** The last-insert-id of the response's last OK packet (0 when none, or when no value was generated). */
    public long lastInsertId() {
        return lastInsertId;
    }

    /** The warning count of the response's last OK or EOF packet. */
    public int warnings() {
        return warnings;
    }

    /** Error code when the response ended with ERR, else 0. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * Payload bytes {@link #onPacket} may read: enough for an OK packet's status and warnings (header byte, two 9-byte
     * length-encoded integers, status, warnings) and for any column count. An ERR packet needs its whole payload
     * ({@link #needsWholePacket}) so its message can be read.
     */
    public static final int CLASSIFY_PREFIX = 23;

    /** Feeds one physical frame (header included); returns true when it completed the response. */
    public boolean onFrame(ByteBuf frame) {
        return onPacket(frame, frame.readerIndex());
    }

    /** Whether the packet whose header is at {@code header} must be whole before {@link #onPacket} (an ERR). */
    public boolean needsWholePacket(ByteBuf buf, int header) {
        return !continuing && Packets.payloadLength(buf, header) > 0 && buf.getUnsignedByte(header + Packets.HEADER_SIZE) == 0xff;
    }

    /**
     * Whether the next packet (the one {@link #onPacket} is about to get) is a column definition: of a result set,
     * or of a prepared statement's columns.
     */
    public boolean atColumnDefinition() {
        return !continuing && (state == State.COLUMNS || state == State.PREP_COLUMNS);
    }

    /**
     * Feeds the packet whose 4-byte header starts at {@code header} in {@code buf}; at least
     * {@code min(length, CLASSIFY_PREFIX)} payload bytes must follow it. Returns true when this packet
     * completes the response (the response ends with its last byte).
     */
    public boolean onPacket(ByteBuf buf, int header) {
        if (state == State.IDLE) {
            throw new MalformedPacketException("backend sent a packet while no command was in flight");
        }
        int length = Packets.payloadLength(buf, header);
        boolean wasContinuing = continuing;
        continuing = length == Packets.MAX_PAYLOAD;
        if (wasContinuing) {
            return false;
        }
        int p = header + Packets.HEADER_SIZE;
        int first = length == 0 ? -1 : buf.getUnsignedByte(p);
        switch (state) {
            case FIRST -> {
                if (kind == ResponseKind.PREPARE) {
                    if (first != 0x00) {
                        if (first == 0xff) errorCode = buf.getUnsignedShortLE(p + 1);
                        return finish();
                    }
                    if (length < 12) throw new MalformedPacketException("PREPARE_OK shorter than 12 bytes");
                    prepColumnsLeft = buf.getUnsignedShortLE(p + 5);
                    paramsLeft = buf.getUnsignedShortLE(p + 7);
                    return nextPrepareList();
                }
                if (kind == ResponseKind.SINGLE) {
                    if (first == 0xff) errorCode = buf.getUnsignedShortLE(p + 1);
                    else if (first == 0x00 && length >= 7) {
                        status = Packets.okStatus(buf, p);
                        lastInsertId = Packets.okLastInsertId(buf, p);
                        warnings = Packets.okWarnings(buf, p, length);
                    } else if (first == 0xfe && length == 5) status = buf.getUnsignedShortLE(p + 3);
                    return finish();
                }
                if (first == 0x00) {
                    status = Packets.okStatus(buf, p);
                    lastInsertId = Packets.okLastInsertId(buf, p);
                    warnings = Packets.okWarnings(buf, p, length);
                    return moreOrFinish();
                }
                if (first == 0xff) {
                    errorCode = buf.getUnsignedShortLE(p + 1);
                    return finish();
                }
                if (first == 0xfb) {
                    throw new MalformedPacketException("backend asked for LOAD DATA LOCAL, which the proxy never enables");
                }
                if (first < 0) {
                    throw new MalformedPacketException("empty packet where a response was expected");
                }
                columnsLeft = Wire.getLenenc(buf, p);
                state = columnsLeft > 0 ? State.COLUMNS : (deprecateEof ? State.ROWS : State.COLUMNS_EOF);
                return false;
            }
            case COLUMNS -> {
                if (--columnsLeft == 0) {
                    state = deprecateEof ? State.ROWS : State.COLUMNS_EOF;
                }
                return false;
            }
            case COLUMNS_EOF -> {
                if (first != 0xfe) {
                    throw new MalformedPacketException("expected EOF after column definitions");
                }
                state = State.ROWS;
                return false;
            }
            case PREP_PARAMS -> {
                if (--paramsLeft == 0) {
                    if (!deprecateEof) {
                        state = State.PREP_PARAMS_EOF;
                        return false;
                    }
                    return nextPrepareList();
                }
                return false;
            }
            case PREP_COLUMNS -> {
                if (--prepColumnsLeft == 0) {
                    if (!deprecateEof) {
                        state = State.PREP_COLUMNS_EOF;
                        return false;
                    }
                    return finish();
                }
                return false;
            }
            case PREP_PARAMS_EOF, PREP_COLUMNS_EOF -> {
                if (first != 0xfe) throw new MalformedPacketException("expected EOF after prepared statement definitions");
                return state == State.PREP_PARAMS_EOF ? nextPrepareList() : finish();
            }
            case ROWS, FIELDS -> {
                if (first == 0xff) {
                    errorCode = buf.getUnsignedShortLE(p + 1);
                    return finish();
                }
                if (first == 0xfe && isTerminator(length)) {
                    status = length >= 5 && !deprecateEof ? buf.getUnsignedShortLE(p + 3)
                            : deprecateEof ? Packets.okStatus(buf, p) : 0;
                    warnings = length >= 5 && !deprecateEof ? buf.getUnsignedShortLE(p + 1)
                            : deprecateEof ? Packets.okWarnings(buf, p, length) : 0;
                    return state == State.FIELDS ? finish() : moreOrFinish();
                }
                return false;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** After PREPARE_OK or the parameter list: the parameter definitions, the column definitions, or the end. */
    private boolean nextPrepareList() {
        if (paramsLeft > 0) {
            state = State.PREP_PARAMS;
            return false;
        }
        if (prepColumnsLeft > 0) {
            state = State.PREP_COLUMNS;
            return false;
        }
        return finish();
    }

    /** A 0xFE-headed packet ends the rows when it cannot be a row: EOF is 5 bytes, an OK-as-EOF is shorter than 0xFFFFFF. */
    private boolean isTerminator(int length) {
        return deprecateEof ? length < Packets.MAX_PAYLOAD : length < 9;
    }

    private boolean moreOrFinish() {
        if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
            state = State.FIRST;
            return false;
        }
        return finish();
    }

    private boolean finish() {
        state = State.IDLE;
        return true;
    }
}
