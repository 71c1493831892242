using V2V.Adapters.HyperV.Jobs;
using V2V.Core.Pipeline;
using V2V.Jobs.Sources;
using V2V.TestSupport;

namespace V2V.Jobs.Tests.Loading;

/// <summary>The loader on its own: every schema problem of a job file is found, each at its line and column.</summary>
public class JobFileLoaderTests
{
    private const string Job = "version: 1\njobs:\n  - name: a\n    source: { path: d.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n";

    /// <summary>A job file and every problem the loader must report, as "LINE:COL: message".</summary>
    public static IEnumerable<TestCaseData> SchemaCases()
    {
        TestCaseData Case(string name, string yaml, params string[] problems) => new TestCaseData(yaml, problems).SetName(name);

        yield return Case("an_unknown_top_level_key", Job + "colour: blue\n",
            "6:1: unknown key \"colour\" (expected one of: version, parallel, defaults, jobs)");
        yield return Case("parallel_out_of_range", Job + "parallel: 65\n", "6:11: \"65\" is not a whole number from 1 to 64");
        yield return Case("a_version_other_than_1", "version: 2\njobs: []\n", "1:10: \"2\" is not a whole number from 1 to 1");
        yield return Case("no_version", "jobs:\n  - name: a\n    source: { path: d.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n",
            "1:1: missing \"version: 1\"");
        yield return Case("no_jobs", "version: 1\n", "1:1: missing \"jobs:\" (a list of jobs)");
        yield return Case("an_empty_job_list", "version: 1\njobs: []\n", "2:7: jobs must be a non-empty list");
        yield return Case("a_job_that_is_not_a_mapping", "version: 1\njobs: [ x ]\n", "2:9: a job must be a mapping (name, source, chain)");
        yield return Case("a_job_without_name", "version: 1\njobs:\n  - source: { path: d.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n",
            "3:5: job without a name");
        yield return Case("a_bad_job_name", Job.Replace("name: a", "name: -a", StringComparison.Ordinal),
            "3:11: job name \"-a\" must be 1–64 letters, digits, '.', '_' or '-'");
        yield return Case("a_job_name_used_twice", Job + "  - name: a\n    source: { path: d.raw }\n    chain: [ { format: vhdx, path: b.vhdx } ]\n",
            "6:5: job name \"a\" is used twice");
        yield return Case("a_job_without_source_or_chain", "version: 1\njobs:\n  - name: a\n",
            "3:5: job \"a\" has no source", "3:5: job \"a\" has no chain (the outputs to write)");
        yield return Case("a_source_that_is_not_a_mapping", Job.Replace("{ path: d.raw }", "d.raw", StringComparison.Ordinal),
            "4:13: source must be a mapping (type, path)");
        yield return Case("an_unknown_source_type_and_key", Job.Replace("{ path: d.raw }", "{ type: qcow2, colour: red, path: d.raw }", StringComparison.Ordinal),
            "4:21: unknown source type \"qcow2\" (known: auto, ova, ovf, physical, raw, vhd, vhdx, vmdk, vmx, vsphere, xva)",
            "4:28: unknown key \"colour\" (expected one of: type, path, skip-manifest-check)");
        yield return Case("skip_manifest_check_on_a_type_that_has_no_manifest", Job.Replace("{ path: d.raw }", "{ type: raw, path: d.raw, skip-manifest-check: true }", StringComparison.Ordinal),
            "4:60: skip-manifest-check applies to OVA sources only, not to type raw");
        yield return Case("skip_manifest_check_that_is_not_a_flag", Job.Replace("{ path: d.raw }", "{ type: ova, path: d.ova, skip-manifest-check: maybe }", StringComparison.Ordinal),
            "4:60: \"maybe\" is not true or false");
        yield return Case("a_source_without_path", Job.Replace("{ path: d.raw }", "{ type: raw }", StringComparison.Ordinal), "4:13: source has no path");
        yield return Case("a_source_outside_the_folder", Job.Replace("d.raw", "../d.raw", StringComparison.Ordinal),
            "4:21: \"../d.raw\" leads outside the pipeline's folder; write an absolute path if that is meant");
        yield return Case("a_chain_that_is_not_a_list", Job.Replace("[ { format: vhdx, path: a.vhdx } ]", "a.vhdx", StringComparison.Ordinal),
            "5:12: chain must be a non-empty list of steps");
        yield return Case("a_step_without_format_or_path", Job.Replace("{ format: vhdx, path: a.vhdx }", "{ keep: true }", StringComparison.Ordinal),
            "5:14: step has no format (vhdx, vhd, vmdk, raw)", "5:14: step has no path");
        yield return Case("a_step_with_bad_sizes", Job.Replace("path: a.vhdx", "path: a.vhdx, block-size: lots, sector-size: 1024", StringComparison.Ordinal),
            "5:56: \"lots\" is not a size (examples: 1048576, 1MiB, 32MiB)", "5:75: sector-size must be 512 or 4096");
        yield return Case("a_chain_that_keeps_nothing", Job.Replace("path: a.vhdx", "path: a.vhdx, keep: false", StringComparison.Ordinal),
            "5:12: every step has keep: false; at least one output must be kept");
        yield return Case("defaults_that_are_not_a_mapping", Job + "defaults: yes\n", "6:11: defaults must be a mapping (verify, overwrite, digest)");
        yield return Case("an_unknown_digest_and_a_bad_flag", Job + "defaults: { digest: md5, verify: maybe }\n",
            "6:21: unknown digest \"md5\" (known: xxh128-1m, sha256-1m, blake3-1m)", "6:34: \"maybe\" is not true or false");
        yield return Case("an_unknown_job_key_lists_the_registered_sections", Job + "    fixups: on\n",
            "6:5: unknown key \"fixups\" (expected one of: name, source, chain, verify, overwrite, digest, hyperv, guest)");
        yield return Case("guest_values_that_are_not_fixup_modes_names_or_services", Job + "    guest: { fixups: maybe, skip: [ide], disable-services: [\"\"] }\n",
            "6:22: fixups must be auto, on or off, not \"maybe\"",
            "6:36: unknown fixup \"ide\" (known: ide-boot, scsi-boot, disk2vhd-hal, foreign-agents, disable-services, crash-autoreboot)",
            "6:61: a service name must not be empty");
        yield return Case("a_hyperv_section_that_is_not_a_mapping", Job + "    hyperv: yes\n",
            "6:13: hyperv must be a mapping (generation, switch-map, default-switch, memory, static-mac, vm-folder, apply, host)");
        yield return Case("hyperv_values_out_of_range", Job + "    hyperv: { generation: 3, switch-map: [a], switchmap: {}, memory: lots }\n",
            "6:27: \"3\" is not a whole number from 1 to 2",
            "6:42: switch-map must map source network names to Hyper-V switch names",
            "6:47: unknown key \"switchmap\" (expected one of: generation, switch-map, default-switch, memory, static-mac, vm-folder, apply, host)",
            "6:70: \"lots\" is not a size (examples: 1048576, 1MiB, 32MiB)");
        yield return Case("hyperv_memory_below_the_minimum_hyper_v_starts_a_vm_with", Job + "    hyperv: { memory: 4096 }\n",
            "6:23: memory 4096 bytes is below Hyper-V's minimum startup memory of 32 MiB (a bare number is bytes: write a unit, e.g. 4GiB or 4096MiB)");
        yield return Case("a_tab_in_an_indentation", "version: 1\njobs:\n\t- name: x\n", "3:1: ");
        yield return Case("a_duplicate_key", "version: 1\nversion: 1\njobs: []\n", "2:1: ");
        yield return Case("an_alias_to_no_anchor", "version: 1\njobs:\n  - name: *nowhere\n", "3:11: ");
    }

    [TestCaseSource(nameof(SchemaCases))]
    public void A_schema_problem_is_reported_at_its_place(string yaml, string[] problems)
    {
        using var folder = new TempFolder();
        var (_, found) = JobFiles.Load(folder, yaml);

        // Syntax errors carry the YAML library's wording: only their place is ours.
        Assert.That(found, Has.Length.EqualTo(problems.Length), string.Join("\n", found));
        for (int i = 0; i < problems.Length; i++)
        {
            Assert.That(found[i], Does.StartWith(problems[i]), string.Join("\n", found));
            if (!problems[i].EndsWith(": ", StringComparison.Ordinal))
            {
                Assert.That(found[i], Is.EqualTo(problems[i]));
            }
        }
    }

    [Test]
    public void A_valid_file_is_read_with_defaults_applied_paths_resolved_and_sections_given_to_their_owner()
    {
        using var folder = new TempFolder();
        var (file, problems) = JobFiles.Load(folder, """
            version: 1
            parallel: 3
            defaults: { verify: true, digest: sha256-1m }
            jobs:
              - name: web.01
                source: { type: physical, path: disks/web.raw }
                chain:
                  - { format: vmdk, path: "out/{job}.vmdk", keep: false }
                  - { format: vhdx, subformat: fixed, block-size: 1MiB, sector-size: 4096, path: /abs/web.vhdx }
                overwrite: yes
                digest: blake3-1m
                hyperv: { generation: 2, switch-map: { LAN: External }, memory: 2GiB, static-mac: false, apply: true, host: hv01 }
              - name: plain
                source: { path: d.raw }
                chain: [ { format: raw, path: d2.raw } ]
            """);

        Assert.That(problems, Is.Empty);
        Assert.That(file, Is.Not.Null);
        Assert.That(file!.Parallel, Is.EqualTo(3));
        var (web, plain) = (file.Jobs[0], file.Jobs[1]);
        Assert.Multiple(() =>
        {
            Assert.That(web.Source, Is.EqualTo(new FileSourceSpec("physical", folder.File("disks/web.raw"), new YamlLocation("pipeline.yaml", 6, 13), new YamlLocation("pipeline.yaml", 6, 37))));
            Assert.That(web.Chain.Select(s => (s.Format, s.Subformat, s.BlockSize, s.SectorSize, s.Path, s.Keep)), Is.EqualTo(new[]
            {
                ("vmdk", (string?)null, (long?)null, (int?)null, folder.File("out/{job}.vmdk"), false),
                ("vhdx", "fixed", 1L << 20, 4096, "/abs/web.vhdx", true),
            }));
            Assert.That((web.Verify, web.Overwrite, web.Digest), Is.EqualTo((true, true, DigestAlgorithm.Find("blake3-1m"))));
            Assert.That((plain.Verify, plain.Overwrite, plain.Digest), Is.EqualTo((true, false, DigestAlgorithm.Find("sha256-1m"))));

            var section = JobFiles.Registry.Sections.OfType<HyperVJobSection>().Single();
            var hyperV = section.Of(web)!;
            Assert.That((hyperV.Options.Generation, hyperV.Options.MemoryBytes, hyperV.Options.StaticMac, hyperV.Apply, hyperV.Host), Is.EqualTo((2, 2L << 30, false, true, "hv01")));
            Assert.That(hyperV.Options.SwitchMap, Is.EqualTo(new Dictionary<string, string> { ["LAN"] = "External" }));
            Assert.That(section.Of(plain), Is.Null);
        });
    }
}
