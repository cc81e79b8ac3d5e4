using Cordon.Core.Access;
using Cordon.Core.Sharing;
using Cordon.Server.Rights;
using Cordon.Server.Sharing;
using Cordon.Server.Tenancy;
using Cordon.Storage;

namespace Cordon.Cli.Demo;

/// <summary>
/// The demo's sharing evidence, recorded through the same use cases the DPO calls: a contract with each recipient of the
/// built-in profile for the purposes that list it, and the impact assessments that cover them — so that campaigns can
/// go out through the SMS gateway, and the console's register shows recipients in good standing.
/// </summary>
internal static class DemoSharing
{
    public static async Task<int> SeedAsync(TenantContext tenant, ICordonStore store, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var op = new Operation(tenant, store, now, "dpo-demo", Role.Dpo.ToKey());
        var today = op.Today;
        var recorded = 0;
        foreach (var recipient in tenant.Profile.Recipients)
        {
            var purposes = tenant.Profile.Purposes.Where(p => p.Recipients.Contains(recipient.Key, StringComparer.Ordinal)).Select(p => p.Key).ToList();
            if (purposes.Count == 0 || SharingPolicy.ActivityOf(recipient) == SharingActivity.Disclose)
            {
                continue;
            }

            var contract = new ContractRequest($"DEMO-{recipient.Key}-{today:yyyy}", today.AddDays(-60), today.AddDays(-60), today.AddDays(305), purposes,
                "仅为所列目的处理，不得转委托，合同终止后删除 / Only for the purposes listed, no sub-entrusting, deletion at the end", false, "delete");
            Check(await RecipientRegister.PutContractAsync(op, recipient.Key, contract, cancellationToken));
            var scope = AssessmentScopes.Of(SharingPolicy.ActivityOf(recipient));
            var assessment = new AssessmentRequest(
                $"{recipient.Key} 个人信息保护影响评估 / PIPIA: {recipient.Key}",
                [scope, AssessmentScopes.Sensitive],
                ["超出约定目的使用 / Use beyond the agreed purpose", "传输中泄露 / Leak in transit"],
                ["合同约束与最小必要字段 / Contract and minimum-necessary fields", "加密传输 / Encrypted transit"],
                "王敏（个人信息保护负责人）",
                today.AddDays(-61),
                purposes,
                [recipient.Key]);
            Check(await Assessments.RecordAsync(op, assessment, cancellationToken));
            recorded++;
        }

        return recorded;
    }

    private static void Check<T>(Core.Result<T> result)
    {
        if (result.Failed)
        {
            throw new InvalidOperationException($"demo sharing evidence refused: {result.Failure.Code}: {result.Failure.Detail}");
        }
    }
}
