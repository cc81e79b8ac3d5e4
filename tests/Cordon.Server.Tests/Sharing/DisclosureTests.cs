using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Cordon.Core.Access;
using Cordon.Core.Sharing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cordon.Server.Tests.Sharing;

/// <summary>
/// The egress gate end to end on SQLite and PostgreSQL, delivering to a real local HTTPS receiver whose key the register
/// pins: what passes leaves minimised and is recorded, counted and audited; every refusal names its rule, leaves nothing
/// at the receiver and is on record.
/// </summary>
public abstract class DisclosureTests : IAsyncLifetime
{
    private CordonServer? _server;
    private WebApplication? _receiver;
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly ECDiffieHellman _packageKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    protected abstract bool Postgres { get; }

    private CordonServer Server => _server!;

    public async ValueTask InitializeAsync()
    {
        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=receiver.test", certificateKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var generated = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificate = X509CertificateLoader.LoadPkcs12(generated.Export(X509ContentType.Pkcs12), null);
        var pin = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        _receiver = builder.Build();
        _receiver.MapPost("/inbox", async (HttpRequest http) =>
        {
            using var body = new MemoryStream();
            await http.Body.CopyToAsync(body);
            _received.Enqueue(body.ToArray());
            return Results.Accepted();
        });
        await _receiver.StartAsync();
        var port = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        var endpoint = $"https://127.0.0.1:{port}/inbox";
        var publicKey = _packageKey.ExportSubjectPublicKeyInfoPem();
        _server = await CordonServer.StartAsync(Postgres, editProfile: text => EditProfile(text, endpoint, pin, publicKey));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        _packageKey.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Four recipients beside the built-in ones: a partner lab in China (api, pinned key), a registry abroad (package), an insurer abroad that would receive an ID number, and a foreign-controlled processor in China.</summary>
    private static string EditProfile(string text, string endpoint, string pin, string publicKey)
    {
        var key = string.Join("\n", publicKey.Split('\n').Select(l => "      " + l));
        var recipients = $$"""
              partner-lab:
                name: "合作检验机构（测试）/ Partner laboratory (test)"
                kind: controller
                jurisdiction: CN
                contact: "lab@example.cn"
                receives: "姓名、诊断 / Name and diagnoses"
                method: api
                endpoint: "{{endpoint}}"
                tlsPin: "{{pin}}"
                fields:
                  Patient: [id, name.text, gender, birthDate, identifier.value]
                  Condition: ["*"]
              overseas-registry:
                name: "境外登记机构（测试）/ Registry abroad (test)"
                kind: controller
                jurisdiction: SG
                contact: "registry@example.sg"
                receives: "姓名 / Names"
                method: package
                publicKey: |
            {{key}}
                fields:
                  Patient: [id, name.text]
                  Observation: ["*"]
              overseas-insurer:
                name: "境外保险公司（测试）/ Insurer abroad (test)"
                kind: controller
                jurisdiction: HK
                contact: "insurer@example.hk"
                receives: "身份证件号码 / ID numbers"
                method: package
                publicKey: |
            {{key}}
                fields:
                  Patient: [id, identifier.value]
              research-partner:
                name: "合作研究机构（测试）/ Research partner (test)"
                kind: controller
                jurisdiction: CN
                contact: "research@example.cn"
                receives: "去标识化的性别、出生年份与诊断 / De-identified gender, birth year and diagnoses"
                deidentify: true
                method: api
                endpoint: "{{endpoint}}"
                tlsPin: "{{pin}}"
                fields:
                  Patient: [id, name.text, gender, birthDate]
                  Condition: ["*"]
              fc-lab:
                name: "外资控股检测公司（测试）/ Foreign-controlled laboratory (test)"
                kind: entrusted-processor
                jurisdiction: CN
                foreignControlled: true
                contact: "fc@example.cn"
                receives: "检验结果 / Test results"
                method: api
                endpoint: "{{endpoint}}"
                tlsPin: "{{pin}}"
                fields:
                  Observation: ["*"]

            """;
        text = text.Replace("\nretention:\n  - { type: Communication", "\n" + recipients.Replace("\n", "\n", StringComparison.Ordinal) + "retention:\n  - { type: Communication", StringComparison.Ordinal);
        text = text.Replace("    service: consultation\n", "    service: consultation\n    recipients: [partner-lab, overseas-registry, fc-lab, research-partner]\n", StringComparison.Ordinal);
        text = text.Replace("    service: appointment\n", "    service: appointment\n    recipients: [overseas-registry, overseas-insurer]\n", StringComparison.Ordinal);
        return text.Replace("  consentReaskAfterDays:", "  crossBorderExemptBelow: 2\n  crossBorderAssessmentAt: 3\n  consentReaskAfterDays:", StringComparison.Ordinal);
    }

    private string Today => DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8)).ToString("yyyy-MM-dd");

    private string Day(int offset) => DateOnly.FromDateTime(Server.Time.GetUtcNow().UtcDateTime.AddHours(8)).AddDays(offset).ToString("yyyy-MM-dd");

    private async Task<string> PatientWithRecordsAsync(string name = "张三")
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.GrantAsync(subject, "appointment");
        await Server.GrantAsync(subject, "consultation");
        var (id, mobile) = CordonServer.ChineseIdentifiers(Random.Shared.Next(1, 800));
        await Server.WriteAsync(subject, "appointment", new
        {
            resourceType = "Patient",
            name = new[] { new { text = name } },
            identifier = new[] { new { system = "urn:cordon:sid:cn-resident-id", value = id } },
        });
        _ = mobile;
        await Server.WriteAsync(subject, "consultation", CordonServer.Condition("E11.9", "2型糖尿病", note: "血糖控制欠佳"));
        return subject;
    }

    private async Task GrantRecipientAsync(string subject, string purpose, string recipient, string action = "grant")
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, $"/v1/subjects/{subject}/consents", Server.App, json: new { purpose, action, noticeVersion = Server.NoticeVersion, channel = "app", grantedBy = "self", recipient });
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
    }

    private async Task ContractAsync(string recipient, string[] purposes, int validFrom = -30, int validUntil = 365)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Put, $"/v1/recipients/{recipient}/contract", Server.Dpo, json: new
        {
            reference = "HT-2026-" + recipient,
            signedOn = Day(validFrom),
            validFrom = Day(validFrom),
            validUntil = Day(validUntil),
            purposes,
            permits = "仅用于约定目的 / Only for the agreed purpose",
            subEntrustingApproved = false,
            atEnd = "delete",
        });
        Assert.True(response.StatusCode == HttpStatusCode.OK, json?.ToJsonString());
    }

    private async Task AssessAsync(string[] covers, string[]? recipients = null, int? validUntil = null)
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/assessments", Server.Dpo, json: new
        {
            title = "共享影响评估 / Sharing PIPIA",
            covers,
            risks = new[] { "再识别 / re-identification" },
            measures = new[] { "最小必要、加密传输 / minimum necessary, encrypted transit" },
            approvedBy = "DPO Wang",
            approvedOn = Day(-1),
            recipients,
            validUntil = validUntil is { } d ? Day(d) : null,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
    }

    private Task<(HttpResponseMessage Response, JsonNode? Body)> DiscloseAsync(string purpose, string recipient, string[] subjects, string[]? types = null, string? token = null)
        => Server.SendAsync(HttpMethod.Post, "/v1/disclosures", token ?? Server.App, purpose, new { recipient, subjectIds = subjects, types });

    private static void AssertRefused(HttpResponseMessage response, JsonNode? body, string code, string? rule)
    {
        Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict, body?.ToJsonString());
        Assert.Equal(code, body!["code"]!.GetValue<string>());
        Assert.Equal(rule, body["rule"]?.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["detail"]?.GetValue<string>()));
    }

    private async Task<long> RefusedOnRecordAsync(string code)
        => await Server.ScalarAsync($"SELECT COUNT(*) FROM disclosures WHERE status = 3 AND detail LIKE '{code}%'");

    [Fact]
    public async Task A_consented_contracted_assessed_disclosure_is_delivered_minimised_recorded_and_audited_and_a_withdrawal_stops_the_next()
    {
        var subject = await PatientWithRecordsAsync();
        await GrantRecipientAsync(subject, "consultation", "partner-lab");
        await ContractAsync("partner-lab", ["consultation"]);
        await AssessAsync(["sharing"], ["partner-lab"]);

        var (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.Equal("delivered", json!["status"]!.GetValue<string>());
        Assert.Equal(2, json["records"]!.GetValue<int>());
        Assert.Null(json["package"]);

        Assert.True(_received.TryDequeue(out var delivered));
        var bundle = JsonNode.Parse(delivered)!;
        Assert.Equal("Bundle", bundle["resourceType"]!.GetValue<string>());
        Assert.Equal(json["id"]!.GetValue<string>(), bundle["identifier"]!["value"]!.GetValue<string>());
        var text = Encoding.UTF8.GetString(delivered);
        Assert.Contains("张三", text, StringComparison.Ordinal);
        Assert.Contains("E11.9", text, StringComparison.Ordinal);
        // The consultation purpose may not read the ID number, so it never leaves, whatever the recipient's entry says.
        Assert.DoesNotContain("urn:cordon:sid:cn-resident-id", text, StringComparison.Ordinal);
        var patient = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => r["resourceType"]!.GetValue<string>() == "Patient");
        Assert.Null(patient["identifier"]);
        Assert.Equal("张三", patient["name"]![0]!["text"]!.GetValue<string>());

        var (_, audit) = await Server.SendAsync(HttpMethod.Get, $"/v1/audit?subject={subject}&action=disclosure.", Server.Dpo);
        Assert.Contains(audit!["entries"]!.AsArray(), e => e!["action"]!.GetValue<string>() == "disclosure.send" && e["rules"]!.AsArray().Any(r => r!.GetValue<string>() == "R10"));
        var (_, list) = await Server.SendAsync(HttpMethod.Get, $"/v1/disclosures?subject={subject}", Server.Dpo);
        Assert.Single(list!["disclosures"]!.AsArray());

        // The patient's own copy says who received their data, when and under which purpose (PIPL Art. 45, 48).
        var patientToken = Server.Token(Role.Patient, "patient-" + subject, subject);
        var (asked, rights) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", patientToken, json: new { subjectId = subject, kind = "access" });
        Assert.True(asked.StatusCode == HttpStatusCode.Created, rights?.ToJsonString());
        var (_, export) = await Server.SendAsync(HttpMethod.Get, $"/v1/rights-requests/{rights!["id"]!.GetValue<string>()}/export", patientToken);
        var disclosed = Assert.Single(export!["disclosures"]!.AsArray(), d => d!["action"]!.GetValue<string>() == "disclosure.send")!;
        Assert.Equal("partner-lab", disclosed["recipient"]!.GetValue<string>());
        Assert.Equal("consultation", disclosed["purpose"]!.GetValue<string>());
        var (explainAsked, explain) = await Server.SendAsync(HttpMethod.Post, "/v1/rights-requests", patientToken, json: new { subjectId = subject, kind = "explanation" });
        Assert.True(explainAsked.StatusCode == HttpStatusCode.Created, explain?.ToJsonString());
        Assert.Contains("partner-lab", explain!.ToJsonString(), StringComparison.Ordinal);

        await GrantRecipientAsync(subject, "consultation", "partner-lab", "withdraw");
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "consent.recipient-missing", "R08");
        Assert.True(_received.IsEmpty);
        Assert.Equal(1, await RefusedOnRecordAsync("consent.recipient-missing"));
        (_, audit) = await Server.SendAsync(HttpMethod.Get, $"/v1/audit?subject={subject}&action=disclosure.create&outcome=deny", Server.Dpo);
        Assert.Single(audit!["entries"]!.AsArray());
    }

    [Fact]
    public async Task Without_consent_contract_or_assessment_nothing_leaves_and_each_refusal_names_its_rule()
    {
        var subject = await PatientWithRecordsAsync();

        var (response, json) = await DiscloseAsync("consultation", "partner-labs", [subject]);
        AssertRefused(response, json, "recipient.unknown", "R10");
        Assert.Contains("partner-lab", json!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        (response, json) = await DiscloseAsync("prescription", "partner-lab", [subject]);
        AssertRefused(response, json, "sharing.purpose-not-allowed", "R10");

        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject], ["Encounter"]);
        AssertRefused(response, json, "sharing.field-not-allowed", "R10");

        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "sharing.contract-required", "R11");

        await ContractAsync("partner-lab", ["consultation"], validFrom: -400, validUntil: -1);
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "sharing.contract-expired", "R11");

        await ContractAsync("partner-lab", ["prescription"]);
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "sharing.beyond-contract", "R11");

        await ContractAsync("partner-lab", ["consultation"]);
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "assessment.required", "R25");

        // An assessment that lapsed yesterday covers nothing today.
        await AssessAsync(["sharing"], ["partner-lab"], validUntil: -1);
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "assessment.required", "R25");

        await AssessAsync(["sharing"], ["partner-lab"]);
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [subject]);
        AssertRefused(response, json, "consent.recipient-missing", "R10");

        Assert.True(_received.IsEmpty);
        Assert.Equal(9, await Server.ScalarAsync("SELECT COUNT(*) FROM disclosures WHERE status = 3"));
        var (_, audit) = await Server.SendAsync(HttpMethod.Get, "/v1/audit?action=disclosure.create&outcome=deny&limit=100", Server.Dpo);
        Assert.Equal(9, audit!["entries"]!.AsArray().Count);
    }

    [Fact]
    public async Task Abroad_the_year_count_decides_the_mechanism_and_a_transfer_that_would_cross_is_refused_before_it_happens()
    {
        await ContractAsync("overseas-registry", ["appointment", "consultation"]);
        await ContractAsync("overseas-insurer", ["appointment"]);
        await AssessAsync(["sharing", "export"]);
        var first = await PatientWithRecordsAsync("李雷");
        var second = await PatientWithRecordsAsync("韩梅梅");
        var third = await PatientWithRecordsAsync("王芳");
        foreach (var s in new[] { first, second, third })
        {
            await GrantRecipientAsync(s, "appointment", "overseas-registry");
            await GrantRecipientAsync(s, "appointment", "overseas-insurer");
            await GrantRecipientAsync(s, "consultation", "overseas-registry");
        }

        // Below the (lowered) exemption threshold, non-sensitive data needs no mechanism (R34): sealed to the registry's key.
        var (response, json) = await DiscloseAsync("appointment", "overseas-registry", [first]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        var id = json!["id"]!.GetValue<string>();
        var package = Convert.FromBase64String(json["package"]!.GetValue<string>());
        Assert.Equal(-1, package.AsSpan().IndexOf("李雷"u8));
        var opened = Encoding.UTF8.GetString(DisclosurePackage.Open(_packageKey.ExportPkcs8PrivateKeyPem(), package, id));
        Assert.Contains("李雷", opened, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => DisclosurePackage.Open(_packageKey.ExportPkcs8PrivateKeyPem(), package, "dsc_other"));

        // The same individual again is not counted twice.
        (response, json) = await DiscloseAsync("appointment", "overseas-registry", [first]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());

        // A second individual would bring the year to 2 ≥ crossBorderExemptBelow: a standard contract is needed (R35).
        (response, json) = await DiscloseAsync("appointment", "overseas-registry", [second]);
        AssertRefused(response, json, "crossborder.mechanism-required", "R35");

        // Sensitive data (an ID number) abroad needs a mechanism from the first individual (R35).
        (response, json) = await DiscloseAsync("appointment", "overseas-insurer", [first]);
        AssertRefused(response, json, "crossborder.mechanism-required", "R35");

        // A medical institution's clinical data never leaves China, whatever is held (R38).
        (response, json) = await DiscloseAsync("consultation", "overseas-registry", [first], ["Observation"]);
        AssertRefused(response, json, "localisation.required", "R38");

        var (put, body) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/overseas-registry/transfer", Server.Dpo, json: new { kind = "standard-contract", reference = "SCC-沪-2026-001", since = Day(-10) });
        Assert.True(put.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        (response, json) = await DiscloseAsync("appointment", "overseas-registry", [second]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());

        // A third would reach crossBorderAssessmentAt (3): only a security assessment will do (R36).
        (response, json) = await DiscloseAsync("appointment", "overseas-registry", [third]);
        AssertRefused(response, json, "crossborder.mechanism-required", "R36");

        var (status, view) = await Server.SendAsync(HttpMethod.Get, "/v1/crossborder", Server.Dpo);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(2, view!["nonSensitive"]!.GetValue<long>());
        Assert.Equal(0, view["sensitive"]!.GetValue<long>());
        Assert.Equal("standard-contract-or-certification", view["required"]!.GetValue<string>());
        var registry = view["recipients"]!.AsArray().Single(r => r!["key"]!.GetValue<string>() == "overseas-registry")!;
        Assert.Equal("standard-contract", registry["held"]!.GetValue<string>());
        Assert.True(registry["sufficient"]!.GetValue<bool>());

        (put, body) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/overseas-registry/transfer", Server.Dpo, json: new { kind = "security-assessment", reference = "CAC-SA-2026-9", since = Day(-10), validUntil = Day(5000) });
        Assert.True(put.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.True(DateOnly.Parse(body!["transfer"]!["validUntil"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) <= DateOnly.Parse(Day(-10), System.Globalization.CultureInfo.InvariantCulture).AddYears(3));
        (response, json) = await DiscloseAsync("appointment", "overseas-registry", [third]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.Equal(3, await Server.ScalarAsync("SELECT non_sensitive FROM crossborder_counts"));

        // An exemption of R37 (here: necessary for a contract with the individual) needs no mechanism and is not counted; consent still applies.
        (put, body) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/overseas-insurer/transfer", Server.Dpo, json: new { kind = "exempt", reference = "保险合同履行所必需", since = Day(-1), exemptBasis = "contract-with-individual" });
        Assert.True(put.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        (response, json) = await DiscloseAsync("appointment", "overseas-insurer", [first]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.Equal(0, await Server.ScalarAsync("SELECT sensitive FROM crossborder_counts"));
        await GrantRecipientAsync(second, "appointment", "overseas-insurer", "withdraw");
        (response, json) = await DiscloseAsync("appointment", "overseas-insurer", [second]);
        AssertRefused(response, json, "consent.recipient-missing", "R08");
    }

    [Fact]
    public async Task A_recipient_whose_terms_require_it_receives_only_de_identified_data_and_only_from_a_cohort_of_at_least_k()
    {
        await ContractAsync("research-partner", ["consultation"]);
        await AssessAsync(["sharing"], ["research-partner"]);
        var cohort = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var subject = await PatientWithRecordsAsync("赵小明");
            await Server.WriteAsync(subject, "record-keeping", new { resourceType = "Patient", name = new[] { new { text = "赵小明" } }, gender = "female", birthDate = "1985-06-01" });
            await Server.WriteAsync(subject, "consultation", CordonServer.Condition("I10", "高血压", note: "赵小明自述头晕，电话 13812345678"));
            await GrantRecipientAsync(subject, "consultation", "research-partner");
            cohort.Add(subject);
        }

        // Four people of the same birth year and gender are a class of four: below the default minimum k of 5, nothing goes.
        var (response, json) = await DiscloseAsync("consultation", "research-partner", [.. cohort.Take(4)]);
        AssertRefused(response, json, "deidentify.k-anonymity-too-low", null);
        Assert.True(_received.IsEmpty);

        (response, json) = await DiscloseAsync("consultation", "research-partner", [.. cohort]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.True(json!["deidentified"]!.GetValue<bool>());
        Assert.True(_received.TryDequeue(out var delivered));
        var text = Encoding.UTF8.GetString(delivered);
        Assert.DoesNotContain("赵小明", text, StringComparison.Ordinal);
        Assert.DoesNotContain("13812345678", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1985-06-01", text, StringComparison.Ordinal);
        Assert.Contains("I10", text, StringComparison.Ordinal);
        foreach (var subject in cohort)
        {
            Assert.DoesNotContain(subject, text, StringComparison.Ordinal);
        }

        var entries = JsonNode.Parse(delivered)!["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
        // Whatever was changed says so: every Patient (names removed, birth date generalised) and every note scrubbed of a name or mobile.
        var changed = entries.Where(r => r["resourceType"]!.GetValue<string>() == "Patient" || r.ToJsonString().Contains("I10", StringComparison.Ordinal)).ToList();
        Assert.Equal(15, changed.Count);
        Assert.All(changed, r => Assert.Contains(r["meta"]!["security"]!.AsArray(), l => l!["system"]!.GetValue<string>() == "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"));
    }

    [Fact]
    public async Task An_analyst_under_the_research_purpose_reads_only_the_de_identified_form()
    {
        var subject = await Server.CreateSubjectAsync();
        await Server.WriteAsync(subject, "record-keeping", new { resourceType = "Patient", name = new[] { new { text = "钱多多" } }, gender = "male", birthDate = "1979-03-15" });
        await Server.GrantAsync(subject, "research.deidentified");
        var analyst = Server.Token(Role.Analyst, "analyst-1");
        var (response, json) = await Server.SendAsync(HttpMethod.Get, $"/v1/subjects/{subject}/records?type=Patient", analyst, "research.deidentified");
        Assert.True(response.StatusCode == HttpStatusCode.OK, json?.ToJsonString());
        var resource = json!["records"]!.AsArray().Single()!["resource"]!;
        Assert.DoesNotContain("钱多多", resource.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("1979", resource["birthDate"]!.GetValue<string>());
        Assert.NotNull(resource["meta"]!["security"]);

        // One record by its id: the same de-identified form.
        var id = json["records"]![0]!["id"]!.GetValue<string>();
        var (single, one) = await Server.SendAsync(HttpMethod.Get, $"/v1/records/{id}", analyst, "research.deidentified");
        Assert.True(single.StatusCode == HttpStatusCode.OK, one?.ToJsonString());
        Assert.DoesNotContain("钱多多", one!.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(one["resource"]!["meta"]!["security"]);
    }

    [Fact]
    public async Task Genetic_data_to_a_foreign_controlled_processor_needs_the_filing_and_entrusting_needs_no_consent_of_its_own()
    {
        var subject = await PatientWithRecordsAsync();
        await Server.GrantAsync(subject, "test-results");
        await Server.WriteAsync(subject, "test-results", new { resourceType = "Observation", status = "final", code = new { coding = new[] { new { system = "http://loinc.org", code = "2345-7", display = "Glucose" } } }, valueQuantity = new { value = 7.8, unit = "mmol/L" } });
        await ContractAsync("fc-lab", ["consultation"]);
        await AssessAsync(["entrusting"], ["fc-lab"]);

        var (response, json) = await DiscloseAsync("consultation", "fc-lab", [subject]);
        AssertRefused(response, json, "hgr.filing-required", "R39");

        var (put, body) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/fc-lab/genetic-filing", Server.Dpo, json: new { reference = "国科遗办备字〔2026〕001", filedOn = Day(-3) });
        Assert.True(put.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        (response, json) = await DiscloseAsync("consultation", "fc-lab", [subject]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.True(_received.TryDequeue(out var delivered));
        Assert.Contains("2345-7", Encoding.UTF8.GetString(delivered), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cohort_excludes_whoever_did_not_consent_and_the_register_says_what_is_missing()
    {
        var (_, register) = await Server.SendAsync(HttpMethod.Get, "/v1/recipients/partner-lab", Server.Dpo);
        var missing = register!["missing"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Contains(missing, m => m.StartsWith("contract", StringComparison.Ordinal));
        Assert.Contains(missing, m => m.StartsWith("assessment", StringComparison.Ordinal));

        await ContractAsync("partner-lab", ["consultation"]);
        await AssessAsync(["sharing"]);
        (_, register) = await Server.SendAsync(HttpMethod.Get, "/v1/recipients/partner-lab", Server.Dpo);
        Assert.Empty(register!["missing"]!.AsArray());

        var consented = await PatientWithRecordsAsync();
        var silent = await PatientWithRecordsAsync();
        var withdrawn = await PatientWithRecordsAsync();
        await GrantRecipientAsync(consented, "consultation", "partner-lab");
        await GrantRecipientAsync(withdrawn, "consultation", "partner-lab");
        await Server.WithdrawAsync(withdrawn, "consultation");
        var (response, json) = await DiscloseAsync("consultation", "partner-lab", [consented, silent, withdrawn]);
        Assert.True(response.StatusCode == HttpStatusCode.Created, json?.ToJsonString());
        Assert.Equal(1, json!["subjects"]!.GetValue<int>());
        Assert.Equal(1, json["excluded"]!["consent.recipient-missing"]!.GetValue<int>());
        // The purpose's own consent withdrawn: nothing of theirs is shared under it, whatever the recipient consent says (R08).
        Assert.Equal(1, json["excluded"]!["consent.missing"]!.GetValue<int>());

        var (all, list) = await Server.SendAsync(HttpMethod.Get, "/v1/recipients", Server.Token(Role.Security, "sec-1"));
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Contains(list!["recipients"]!.AsArray(), r => r!["key"]!.GetValue<string>() == "fc-lab" && r["foreignControlled"]!.GetValue<bool>() && r["activity"]!.GetValue<string>() == "entrust");

        // A patient cannot call the gate at all.
        (response, json) = await DiscloseAsync("consultation", "partner-lab", [consented], token: Server.Token(Role.Patient, "p", consented));
        AssertRefused(response, json, "access.role-not-allowed", "R46");
    }

    [Fact]
    public async Task Outside_tests_the_delivery_refuses_a_loopback_endpoint_as_portability_does()
    {
        var recipient = Server.TenantContext.Profile.Recipients.Single(r => r.Key == "partner-lab");
        var outcome = await new Cordon.Server.Sharing.RecipientDelivery(allowInsecureTargets: false).PostAsync(recipient, "{}"u8.ToArray(), CancellationToken.None);
        Assert.False(outcome.Delivered);
        Assert.Contains("public address", outcome.Detail, StringComparison.Ordinal);
        Assert.True(_received.IsEmpty);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_what_to_change_and_nothing_is_recorded()
    {
        var (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/disclosures", Server.App, "consultation", "{\"recipient\":\"partner-lab\",\"subjectIds\":[]}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull(json!["errors"]!["subjectIds"]);

        (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/disclosures", Server.App, "consultation", "{\"recipient\":\"partner-lab\",\"subjectIds\":[\"sub_x\"],\"extra\":1}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/disclosures", Server.App, "consultation", "{\"recipient\":\"partner-lab\",\"subjectIds\":[\"sub_x\"],\"types\":[\"Nope\"]}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotNull(json!["errors"]!["types"]);

        (response, json) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/partner-lab/contract", Server.Dpo, json: new { reference = "", signedOn = Today, validFrom = Today, validUntil = Day(-5), purposes = new[] { "nope" }, permits = "x", subEntrustingApproved = false, atEnd = "keep" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        foreach (var field in new[] { "reference", "validUntil", "purposes", "atEnd" })
        {
            Assert.NotNull(json!["errors"]![field]);
        }

        (response, json) = await Server.SendAsync(HttpMethod.Put, "/v1/recipients/partner-lab/transfer", Server.Dpo, json: new { kind = "standard-contract", reference = "SCC-1", since = Today });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("mainland China", json!["errors"]!["kind"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        (response, json) = await Server.SendAsync(HttpMethod.Post, "/v1/assessments", Server.Dpo, json: new { title = "x", covers = new[] { "everything" }, risks = Array.Empty<string>(), measures = new[] { "m" }, approvedBy = "w", approvedOn = Day(3) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        foreach (var field in new[] { "covers", "risks", "approvedOn" })
        {
            Assert.NotNull(json!["errors"]![field]);
        }

        Assert.Equal(0, await Server.ScalarAsync("SELECT COUNT(*) FROM disclosures"));
        Assert.Equal(0, await Server.ScalarAsync("SELECT COUNT(*) FROM recipient_evidence"));
        Assert.Equal(0, await Server.ScalarAsync("SELECT COUNT(*) FROM assessments"));
    }
}

public sealed class SqliteDisclosureTests : DisclosureTests
{
    protected override bool Postgres => false;
}

public sealed class PostgresDisclosureTests : DisclosureTests
{
    protected override bool Postgres => true;
}
