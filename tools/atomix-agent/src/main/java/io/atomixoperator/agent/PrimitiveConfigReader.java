package io.atomixoperator.agent;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.atomix.core.AtomixRegistry;
import io.atomix.core.utils.config.PolymorphicConfigMapper;
import io.atomix.core.utils.config.PolymorphicTypeMapper;
import io.atomix.primitive.config.PrimitiveConfig;
import io.atomix.primitive.protocol.PrimitiveProtocol;
import io.atomix.primitive.protocol.PrimitiveProtocolConfig;
import io.atomix.utils.config.ConfigurationException;

/**
 * Reads the JSON body of {@code POST /v1/<primitive>/<name>} into a primitive configuration.
 * The real agent binds it with Jackson; here Atomix's own config mapper does it, exactly as it
 * maps a {@code primitives.<name>} entry of atomix.conf, so keys, the polymorphic protocol
 * {@code type} and enum spellings are checked by Atomix itself.
 */
final class PrimitiveConfigReader extends PolymorphicConfigMapper {
  PrimitiveConfigReader(AtomixRegistry registry) {
    super(PrimitiveConfigReader.class.getClassLoader(), registry,
        new PolymorphicTypeMapper("type", PrimitiveProtocolConfig.class, PrimitiveProtocol.Type.class));
  }

  <C extends PrimitiveConfig<C>> C read(String json, Class<C> configClass) {
    String body = json.isBlank() ? "{}" : json;
    try {
      return map(ConfigFactory.parseString(body).resolve(), configClass);
    } catch (ConfigException | ConfigurationException e) {
      throw new HttpRoutes.BadRequestException("invalid primitive configuration", e);
    }
  }
}
