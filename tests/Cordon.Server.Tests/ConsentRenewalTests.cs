using System.Net;
using Cordon.Core.Profiles;
using Cordon.Server.Tenancy;

namespace Cordon.Server.Tests;

/// <summary>
/// R04 end to end: a running tenant publishes a changed profile; consents given for a purpose whose collection, method
/// or recipients changed need renewal, the other purposes keep theirs, and consent against the new notice restores
/// access.
/// </summary>
public sealed class ConsentRenewalTests : ServerTest
{
    /// <summary>Each edit changes one purpose only; the other keeps its consent.</summary>
    [Theory]
    [InlineData("collected fields", "appointment", "consultation")]
    [InlineData("collected fields beyond what it reads", "consultation", "appointment")]
    [InlineData("method", "appointment", "consultation")]
    [InlineData("recipients", "appointment", "consultation")]
    public async Task Changing_what_a_purpose_collects_how_or_with_whom_needs_renewal_of_that_purpose_alone(string change, string changed, string unchanged)
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        var oldNotice = Server.NoticeVersion;

        await PublishAsync(Edit(change));

        Assert.NotEqual(oldNotice, Server.NoticeVersion);
        var states = await ConsentStatesAsync(subject);
        Assert.Equal("needs-renewal", states[changed]);
        Assert.Equal("granted", states[unchanged]);

        var (refused, problem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/records", Server.App, changed, RecordFor(changed));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("consent.renewal-required", problem!["code"]!.GetValue<string>());
        Assert.Equal("R04", problem["rule"]!.GetValue<string>());
        Assert.Equal(0, await Server.CountRecordsAsync(subject));
        var (unread, readProblem) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records", Server.App, changed);
        Assert.Equal(HttpStatusCode.Forbidden, unread.StatusCode);
        Assert.Equal("consent.renewal-required", readProblem!["code"]!.GetValue<string>());

        await Server.WriteAsync(subject, unchanged, RecordFor(unchanged));

        var (stale, staleProblem) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose = changed, action = "grant", noticeVersion = oldNotice, channel = "app", grantedBy = "self" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("consent.notice-outdated", staleProblem!["code"]!.GetValue<string>());
        Assert.Equal("needs-renewal", (await ConsentStatesAsync(subject))[changed]);

        await Server.GrantAsync(subject, changed);
        Assert.Equal("granted", (await ConsentStatesAsync(subject))[changed]);
        await Server.WriteAsync(subject, changed, RecordFor(changed));
        Assert.Equal(2, await Server.CountRecordsAsync(subject));
    }

    [Fact]
    public async Task Rewording_only_a_purposes_description_keeps_its_consents()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        var fingerprint = Server.TenantContext.Policy.PurposeFingerprint("appointment");

        await PublishAsync(text => Replace(text, "为就诊人预约本院门诊或在线号源。", "为就诊人预约本院的门诊号源或在线复诊号源。"));

        Assert.Contains("在线复诊号源", Server.TenantContext.Profile.FindPurpose("appointment")!.Description, StringComparison.Ordinal);
        Assert.Equal(fingerprint, Server.TenantContext.Policy.PurposeFingerprint("appointment"));
        Assert.Equal("granted", (await ConsentStatesAsync(subject))["appointment"]);
        await Server.WriteAsync(subject, "appointment", Booking());
    }

    private static Func<string, string> Edit(string change) => change switch
    {
        "collected fields" => text => Replace(
            text,
            "      Patient: [id, meta.*, name.use, name.text, name.family, name.given, identifier.system",
            "      Patient: [id, meta.*, name.use, name.text, name.family, name.given, gender, identifier.system"),

        // Consultation already reads observations; collecting them changes only what it collects.
        "collected fields beyond what it reads" => text => Replace(
            text,
            "      DocumentReference: [\"*\"]\n    read:\n      Communication: [\"*\"]",
            "      DocumentReference: [\"*\"]\n      Observation: [\"*\"]\n    read:\n      Communication: [\"*\"]"),
        "method" => text => Replace(text, "您或监护人在线填写就诊人姓名", "您或监护人在线或电话填写就诊人姓名"),
        "recipients" => text => Replace(
            text,
            "    afterRetention: delete\n    notice:\n      method: \"您或监护人在线填写",
            "    afterRetention: delete\n    recipients: [sms-gateway]\n    notice:\n      method: \"您或监护人在线填写"),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    private static object RecordFor(string purpose) => purpose == "appointment" ? Booking() : CordonServer.Condition("E11.9", "2型糖尿病");

    /// <summary>Publishes the default profile, edited, for the running tenant, as <c>cordon init</c> would.</summary>
    private async Task PublishAsync(Func<string, string> edit)
    {
        var text = edit(BuiltInProfiles.Text(BuiltInProfiles.Default).ReplaceLineEndings("\n"));
        var loaded = ProfileLoader.Load(text, "changed.yaml");
        Assert.True(loaded.Succeeded, string.Join(Environment.NewLine, loaded.Errors));
        await Server.Host.Tenants.ProvisionAsync(Server.Host.Store, CordonServer.Tenant, loaded.Profile, Server.Time.GetUtcNow(), "ops-admin", CancellationToken.None);
    }

    private async Task<Dictionary<string, string>> ConsentStatesAsync(string subject)
    {
        var (response, body) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/consents", Server.App);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body!["current"]!.AsArray().ToDictionary(c => c!["purpose"]!.GetValue<string>(), c => c!["state"]!.GetValue<string>());
    }

    private static string Replace(string text, string original, string replacement)
    {
        var first = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{original}' is not in the profile");
        Assert.True(text.IndexOf(original, first + 1, StringComparison.Ordinal) < 0, $"'{original}' occurs more than once");
        return string.Concat(text.AsSpan(0, first), replacement, text.AsSpan(first + original.Length));
    }

    private static object Booking() => new
    {
        resourceType = "Patient",
        name = new[] { new { text = "张三" } },
        identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = CordonServer.ChineseIdentifiers(3).IdNumber } },
    };
}
