using System.Security.Cryptography;
using System.Text;

namespace AkkaKafka.Protocol.Security;

/// <summary>
/// The session token an Akka client gets once its password checked out, and carries on every later request.
/// </summary>
/// <remarks>
/// A token is an HMAC, keyed with the user's SCRAM ServerKey (which only brokers hold: the controller publishes it to
/// them alone), over the user's name and mechanism. So every broker can check a token another broker issued, a client
/// cannot make one without the password, and a changed password or a deleted user voids every token of that user
/// at the next publication. It does not expire by itself: it is as good as the password for as long as the password
/// is, and travels only over TLS remoting, as the password did. HMAC is .NET's; nothing here is crypto of our own.
/// </remarks>
public static class SessionTokens
{
    private const string Purpose = "akkakafka-session";

    public static string Issue(string user, ScramCredential credential) =>
        $"{credential.Mechanism}:{Convert.ToBase64String(Mac(user, credential))}";

    /// <summary>Whether <paramref name="token"/> was issued for <paramref name="user"/> under its current credentials.</summary>
    public static bool Verify(SecurityMetadata security, string user, string token)
    {
        var colon = token.IndexOf(':');
        if (colon <= 0 || security.User(user)?.For(token[..colon]) is not { } credential) return false;
        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(token[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(presented, Mac(user, credential));
    }

    private static byte[] Mac(string user, ScramCredential credential) =>
        Scram.Hmac(credential.Mechanism, credential.ServerKey, Encoding.UTF8.GetBytes($"{Purpose}\0{credential.Mechanism}\0{user}"));
}
