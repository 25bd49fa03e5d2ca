namespace Testbed.Envelopes;

/// <summary>What an <see cref="Envelope"/> carries. Encoded on the wire as a big-endian u16.</summary>
public enum EnvelopeKind : ushort
{
    /// <summary>A request to place an order.</summary>
    Order = 1,
    /// <summary>The reply to an <see cref="Order"/>.</summary>
    OrderReply = 2,
    /// <summary>A request to debit an account.</summary>
    Debit = 3,
    /// <summary>The reply to a <see cref="Debit"/>.</summary>
    DebitReply = 4,
    /// <summary>A request to credit an account.</summary>
    Credit = 5,
    /// <summary>The reply to a <see cref="Credit"/>.</summary>
    CreditReply = 6,
    /// <summary>A request for an account balance.</summary>
    BalanceQuery = 7,
    /// <summary>The reply to a <see cref="BalanceQuery"/>.</summary>
    BalanceReply = 8,
    /// <summary>A liveness probe.</summary>
    Echo = 9,
    /// <summary>The reply to an <see cref="Echo"/>.</summary>
    EchoReply = 10,
    /// <summary>A session handshake offer (the session defense's key exchange).</summary>
    Handshake = 11,
    /// <summary>The reply to a <see cref="Handshake"/>.</summary>
    HandshakeReply = 12,
    /// <summary>A reply saying the request was refused.</summary>
    Rejected = 15,
}
