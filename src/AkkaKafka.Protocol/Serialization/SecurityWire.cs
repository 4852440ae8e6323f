using System.Runtime.Serialization;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Protocol.Serialization;

/// <summary>
/// The binary layout of users, credentials and ACL rules: one place for the wire (SecurityPublished) and for the
/// controller's journal (its events and snapshot), so both read what the other wrote the same way.
/// </summary>
public static class SecurityWire
{
    public static void Write(WireWriter w, SecurityMetadata m)
    {
        w.VarLong(m.Version);
        w.List(m.Users, WriteUser);
        w.List(m.Acls, WriteAcl);
    }

    public static SecurityMetadata Read(ref WireReader r)
    {
        var version = r.VarLong();
        var n = r.Count();
        var users = new List<UserCredentials>(n);
        for (var i = 0; i < n; i++) users.Add(ReadUser(ref r));
        return new SecurityMetadata(version, users, ReadAcls(ref r));
    }

    public static void WriteUser(WireWriter w, UserCredentials u)
    {
        w.String(u.Name);
        w.List(u.Credentials, WriteCredential);
    }

    public static UserCredentials ReadUser(ref WireReader r)
    {
        var name = r.String();
        var n = r.Count();
        var credentials = new List<ScramCredential>(n);
        for (var i = 0; i < n; i++) credentials.Add(ReadCredential(ref r));
        return new UserCredentials(name, credentials);
    }

    public static void WriteCredential(WireWriter w, ScramCredential c) =>
        w.String(c.Mechanism).Bytes(c.Salt).VarInt(c.Iterations).Bytes(c.StoredKey).Bytes(c.ServerKey);

    public static ScramCredential ReadCredential(ref WireReader r) => new(r.String(), r.Bytes(), r.VarInt(), r.Bytes(), r.Bytes());

    public static void WriteAcl(WireWriter w, AclRule a) =>
        w.String(a.User).Byte((byte)a.ResourceType).String(a.ResourceName).Byte((byte)a.Operation);

    public static AclRule ReadAcl(ref WireReader r)
    {
        var user = r.String();
        var type = r.Byte();
        var name = r.String();
        var operation = r.Byte();
        if (!Enum.IsDefined((AclResourceType)type) || !Enum.IsDefined((AclOperation)operation))
            throw new SerializationException($"unknown ACL resource type {type} or operation {operation}");
        return new AclRule(user, (AclResourceType)type, name, (AclOperation)operation);
    }

    public static void WriteAcls(WireWriter w, IReadOnlyList<AclRule> acls) => w.List(acls, WriteAcl);

    public static List<AclRule> ReadAcls(ref WireReader r)
    {
        var n = r.Count();
        var acls = new List<AclRule>(n);
        for (var i = 0; i < n; i++) acls.Add(ReadAcl(ref r));
        return acls;
    }
}
