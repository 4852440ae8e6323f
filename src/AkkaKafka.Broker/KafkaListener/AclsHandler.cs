using Akka.Actor;
using AkkaKafka.Protocol;
using AkkaKafka.Protocol.Kafka.Apis;
using AkkaKafka.Protocol.Messages;
using AkkaKafka.Protocol.Security;
using static AkkaKafka.Protocol.Kafka.Apis.DeleteAclsResponseData;
using static AkkaKafka.Protocol.Kafka.Apis.DescribeAclsResponseData;

namespace AkkaKafka.Broker.KafkaListener;

/// <summary>
/// Kafka CreateAcls, DescribeAcls and DeleteAcls over the controller's ACL commands (AddAcl, ListAcls, RemoveAcl), with
/// Kafka's ACL model mapped onto ours by <see cref="AclBindings"/>. Describe and Delete read the controller's list, not
/// this broker's published copy, so an ACL just created is seen at once.
/// </summary>
internal static class AclsHandler
{
    public static async Task<CreateAclsResponseData> CreateAsync(KafkaNode node, CreateAclsRequestData request)
    {
        var results = new List<CreateAclsResponseData.AclCreationResult>();
        // One at a time, in order: two creations of one rule in a request are one rule, created once.
        foreach (var creation in request.Creations)
        {
            var (rule, refusal) = AclBindings.ToRule(creation);
            if (rule is null)
            {
                results.Add(new(ErrorCode.InvalidRequest, refusal));
                continue;
            }
            var outcome = await AskAsync<SecurityCommandResult>(node, new AddAcl(rule), (e, m) => new SecurityCommandResult(e, m));
            results.Add(new(outcome.Error, outcome.IsSuccess ? null : outcome.Message));
        }
        return new CreateAclsResponseData(results);
    }

    public static async Task<DescribeAclsResponseData> DescribeAsync(KafkaNode node, DescribeAclsRequestData request)
    {
        if (AclBindings.FilterRefusal(request.Filter) is { } refusal) return new DescribeAclsResponseData(ErrorCode.InvalidRequest, refusal, []);
        var (acls, error) = await ListAsync(node);
        if (acls is null) return new DescribeAclsResponseData(error!.Error, error.Message, []);
        var resources = acls.Where(rule => AclBindings.Matches(request.Filter, rule)).Select(AclBindings.ToBinding)
            .GroupBy(acl => (acl.ResourceType, acl.ResourceName, acl.PatternType))
            .Select(g => new DescribeAclsResource(g.Key.ResourceType, g.Key.ResourceName!, g.Key.PatternType,
                g.Select(acl => new AclDescription(acl.Principal!, acl.Host!, acl.Operation, acl.PermissionType)).ToList()))
            .ToList();
        return new DescribeAclsResponseData(ErrorCode.None, null, resources);
    }

    public static async Task<DeleteAclsResponseData> DeleteAsync(KafkaNode node, DeleteAclsRequestData request)
    {
        var (acls, error) = await ListAsync(node);
        if (acls is null) return new DeleteAclsResponseData(request.Filters.Select(_ => new FilterResult(error!.Error, error.Message, [])).ToList());
        // A rule two filters match is removed once; both filters list it, with the one outcome.
        var removed = new Dictionary<AclRule, SecurityCommandResult>();
        var results = new List<FilterResult>();
        foreach (var filter in request.Filters)
        {
            if (AclBindings.FilterRefusal(filter) is { } refusal)
            {
                results.Add(new FilterResult(ErrorCode.InvalidRequest, refusal, []));
                continue;
            }
            var matching = new List<MatchingAcl>();
            foreach (var rule in acls.Where(rule => AclBindings.Matches(filter, rule)))
            {
                if (!removed.TryGetValue(rule, out var outcome))
                    removed[rule] = outcome = await AskAsync<SecurityCommandResult>(node, new RemoveAcl(rule), (e, m) => new SecurityCommandResult(e, m));
                matching.Add(new MatchingAcl(outcome.Error, outcome.IsSuccess ? null : outcome.Message, AclBindings.ToBinding(rule)));
            }
            results.Add(new FilterResult(ErrorCode.None, null, matching));
        }
        return new DeleteAclsResponseData(results);
    }

    private static async Task<(IReadOnlyList<AclRule>? Acls, RequestRefused? Error)> ListAsync(KafkaNode node)
    {
        var answer = await AskAsync<object>(node, new ListAcls(), (e, m) => new RequestRefused(e, m));
        return answer switch
        {
            AclList list => (list.Acls, null),
            RequestRefused refused => (null, refused),
            SecurityCommandResult result => (null, new RequestRefused(result.Error, result.Message)),
            _ => (null, new RequestRefused(ErrorCode.UnknownServerError, $"unexpected answer {answer.GetType().Name}")),
        };
    }

    /// <summary>The controller's answer, or <paramref name="timedOut"/> of REQUEST_TIMED_OUT (retriable) when it gave none in time.</summary>
    private static async Task<T> AskAsync<T>(KafkaNode node, IControllerCommand command, Func<ErrorCode, string, T> timedOut)
    {
        try
        {
            return await node.Broker.Ask<T>(command);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or TimeoutException)
        {
            return timedOut(ErrorCode.RequestTimedOut, $"the controller did not answer within {node.Broker.RequestTimeout.TotalSeconds:0} s");
        }
    }
}
