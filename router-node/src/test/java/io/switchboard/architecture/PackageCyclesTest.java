package io.switchboard.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The layering of {@code router-node} as a test: its packages ({@code io.switchboard.http},
 * {@code io.switchboard.keys}, ...; a package's sub-packages count as part of it) import each other in
 * one direction only. A new import that closes a circle fails the build here, with the classes that
 * close it, so the package picture in {@code docs/architecture.md} cannot drift silently.
 */
@Tag("unit")
class PackageCyclesTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
      .importPackages("io.switchboard");

  @Test
  void packages_importEachOtherWithoutCycles() {
    slices().matching("io.switchboard.(*)..").should().beFreeOfCycles().check(MAIN);
  }
}
